package dev.sluice.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Netty's aggregator, but an oversized request is answered by {@link Connection}, in its turn
 * among pipelined requests, instead of by a 413 written out of order from here: this passes
 * {@link Oversized} down the pipeline. The same for {@code Expect: 100-continue} with a too-large
 * {@code Content-Length}: no 100, the client gets the 413 before it sends the body.
 */
final class BodyLimit extends HttpObjectAggregator {

  /** A request whose body was over the limit; its content was dropped. */
  record Oversized(long maxBytes) {}

  BodyLimit(int maxBytes) {
    super(maxBytes);
  }

  @Override
  protected Object newContinueResponse(HttpMessage start, int maxContentLength,
      ChannelPipeline pipeline) {
    if (HttpUtil.is100ContinueExpected(start)
        && HttpUtil.getContentLength(start, -1L) > maxContentLength) {
      return null; // then isContentLengthInvalid says so and handleOversizedMessage runs
    }
    return super.newContinueResponse(start, maxContentLength, pipeline);
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
    // The aggregator releases `oversized` and drops the rest of its content.
    ctx.fireChannelRead(new Oversized(maxContentLength()));
  }
}
