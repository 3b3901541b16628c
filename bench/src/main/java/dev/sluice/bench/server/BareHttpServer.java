package dev.sluice.bench.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The reference of the HTTP rows: the least a Netty 4.2 HTTP/1.1 server can do to answer
 * {@code POST /json} with a fixed body. {@code HttpServerCodec}, {@code HttpObjectAggregator},
 * and a handler on the event loop that writes the same bytes every time (200,
 * {@code application/json}); keep-alive as the request asks. The same transport and threads as
 * the server's HTTP listener (NIO, one acceptor thread, {@code workerThreads} event loops,
 * {@code TCP_NODELAY}); none of its work (no routing table, body checks, JSON, hand-off to a
 * blocking pool, decision).
 */
final class BareHttpServer implements AutoCloseable {

  private final Channel server;
  private final EventLoopGroup acceptor;
  private final EventLoopGroup workers;

  private BareHttpServer(Channel server, EventLoopGroup acceptor, EventLoopGroup workers) {
    this.server = server;
    this.acceptor = acceptor;
    this.workers = workers;
  }

  /**
   * Starts listening.
   *
   * @param workerThreads event loops; 0 for Netty's default (twice the processors)
   * @param maxRequestBytes the aggregator's limit
   * @param body the answer to every {@code POST /json}
   */
  static BareHttpServer start(InetSocketAddress address, int workerThreads, int maxRequestBytes, byte[] body)
      throws IOException {
    EventLoopGroup acceptor = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(workerThreads, NioIoHandler.newFactory());
    ServerBootstrap b = new ServerBootstrap()
        .group(acceptor, workers)
        .channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            pipeline(ch.pipeline(), maxRequestBytes, body);
          }
        });
    var bound = b.bind(address).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw new IOException("cannot listen on " + address, bound.cause());
    }
    return new BareHttpServer(bound.channel(), acceptor, workers);
  }

  /** One connection's handlers: the codec, the aggregator and the fixed answer. */
  static void pipeline(io.netty.channel.ChannelPipeline p, int maxRequestBytes, byte[] body) {
    p.addLast(new HttpServerCodec(), new HttpObjectAggregator(maxRequestBytes), new Fixed(body));
  }

  InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  @Override
  public void close() {
    server.close().awaitUninterruptibly();
    acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
  }

  /** {@code POST /json}: the fixed body; anything else: 404. */
  private static final class Fixed extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final byte[] body;

    Fixed(byte[] body) {
      this.body = body;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      boolean json = request.method().equals(HttpMethod.POST) && request.uri().equals("/json");
      FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(),
          json ? HttpResponseStatus.OK : HttpResponseStatus.NOT_FOUND,
          json ? Unpooled.wrappedBuffer(body) : Unpooled.EMPTY_BUFFER);
      if (json) {
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
      }
      response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, json ? body.length : 0);
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      HttpUtil.setKeepAlive(response, keepAlive);
      var written = ctx.writeAndFlush(response);
      if (!keepAlive) {
        written.addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
