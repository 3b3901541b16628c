package dev.sluice.server.http;

import dev.sluice.server.http.BodyLimit.Oversized;
import dev.sluice.server.http.Routes.Dispatch;
import dev.sluice.server.http.Routes.Route;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One HTTP/1.1 connection: answers its requests one at a time, in the order they came, so that
 * pipelined requests get their responses in order even when one waits on the blocking pool.
 *
 * <p>State lives on the connection's event loop only; a blocking handler's result comes back to
 * it through {@code ctx.executor()}. While a request is being answered, or the peer is not
 * reading its responses (the channel is not writable), reading stops: at most one read's worth of
 * requests waits here.
 *
 * <p>Keep-alive is handled here, not by {@code HttpServerKeepAliveHandler}: a response goes out
 * with {@code Connection: close} (and the channel closes after it) when the client asked for it,
 * when the request could not be decoded or was too large, or when the listener is closing.
 */
final class Connection extends ChannelInboundHandlerAdapter {

  /** Fired by {@link HttpListener#close()}: close when idle, else after the current answer. */
  static final Object DRAIN = new Object() {
    @Override
    public String toString() {
      return "DRAIN";
    }
  };

  private static final System.Logger LOG = System.getLogger(Connection.class.getName());
  /** How long a connection closed with unread input stays half-open so the peer reads the answer. */
  private static final long LINGER_MILLIS = 2_000;

  private final Routes routes;
  private final Executor blocking;
  private final BooleanSupplier closing;
  private final long idleNanos;
  private final ArrayDeque<Object> pending = new ArrayDeque<>();
  /** When the connection last read input or wrote an answer ({@link System#nanoTime()}). */
  private long lastActive = System.nanoTime();
  private ScheduledFuture<?> idleCheck;
  /** A request is being answered on the blocking pool. */
  private boolean busy;
  /** The last response was written or the channel is gone: ignore the rest. */
  private boolean done;

  /**
   * A connection handler.
   *
   * @param blocking the pool for blocking routes, or {@code null} when no route blocks
   * @param closing whether the listener is closing
   * @param idleMillis close the connection after this long with no request in flight and nothing
   *     read or written; 0 never
   */
  Connection(Routes routes, Executor blocking, BooleanSupplier closing, long idleMillis) {
    this.routes = routes;
    this.blocking = blocking;
    this.closing = closing;
    this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMillis);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      watchIdle(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    watchIdle(ctx);
    ctx.fireChannelActive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (idleCheck != null) {
      idleCheck.cancel(false);
    }
  }

  /**
   * The idle timeout: one timer per connection, no listener per write. (Netty's
   * {@code IdleStateHandler} would add a listener to every response's write.)
   */
  private void watchIdle(ChannelHandlerContext ctx) {
    if (idleNanos > 0 && idleCheck == null) {
      lastActive = System.nanoTime();
      idleCheck = ctx.executor().schedule(() -> checkIdle(ctx), idleNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void checkIdle(ChannelHandlerContext ctx) {
    if (done) {
      return;
    }
    long now = System.nanoTime();
    if (busy || !pending.isEmpty()) {
      lastActive = now; // a request in flight is not idleness: count from its answer
    }
    long left = idleNanos - (now - lastActive);
    if (left <= 0) {
      LOG.log(Level.DEBUG, () -> "closing idle connection " + ctx.channel());
      done = true;
      ctx.close();
      return;
    }
    idleCheck = ctx.executor().schedule(() -> checkIdle(ctx), left, TimeUnit.NANOSECONDS);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    lastActive = System.nanoTime();
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (done || !(msg instanceof FullHttpRequest || msg instanceof Oversized)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    pending.add(msg);
    next(ctx);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    next(ctx);
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt == DRAIN) {
      next(ctx);
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    done = true;
    drop();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.log(Level.DEBUG, () -> "closing connection " + ctx.channel() + ": " + cause);
    done = true;
    drop();
    ctx.close();
  }

  /** Answers waiting requests while nothing else is in flight; reads on only when idle. */
  private void next(ChannelHandlerContext ctx) {
    while (!busy && !done && ctx.channel().isWritable() && !pending.isEmpty()) {
      answer(ctx, pending.poll());
    }
    if (done) {
      drop();
      return;
    }
    boolean idle = !busy && pending.isEmpty();
    ctx.channel().config().setAutoRead(idle);
    if (idle && closing.getAsBoolean()) {
      done = true;
      ctx.close();
    }
  }

  private void answer(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Oversized o) {
      respond(ctx, new Exchange(HttpVersion.HTTP_1_1, false, false, true),
          Response.text(413, "request body is larger than " + o.maxBytes() + " bytes\n"));
      return;
    }
    FullHttpRequest http = (FullHttpRequest) msg;
    try {
      DecoderResult decoded = http.decoderResult();
      if (!decoded.isSuccess()) {
        respond(ctx, new Exchange(HttpVersion.HTTP_1_1, false, false, true),
            malformed(decoded.cause()));
        return;
      }
      String method = http.method().name();
      Exchange exchange = new Exchange(
          http.protocolVersion().equals(HttpVersion.HTTP_1_0) ? HttpVersion.HTTP_1_0
              : HttpVersion.HTTP_1_1,
          HttpUtil.isKeepAlive(http), method.equals("HEAD"), false);
      String target = originForm(http.uri());
      int q = target.indexOf('?');
      String path = q < 0 ? target : target.substring(0, q);
      Map<String, Route> methods = routes.at(path);
      Route route = methods.get(exchange.head() ? "GET" : method);
      if (methods.isEmpty()) {
        respond(ctx, exchange, Response.text(404, "404 page not found\n"));
        return;
      }
      if (route == null) {
        String allow = Routes.allow(methods);
        respond(ctx, exchange, Response.text(405, "method " + method + " is not allowed on "
            + path + "; allowed: " + allow + "\n").withHeader("Allow", allow));
        return;
      }
      HttpHeaders headers = http.headers();
      Request request = new Request(method, path, q < 0 ? "" : target.substring(q + 1),
          headers::get, ByteBufUtil.getBytes(http.content()),
          ctx.channel().remoteAddress() instanceof InetSocketAddress peer ? peer : null);
      if (route.dispatch() == Dispatch.BLOCKING) {
        offload(ctx, exchange, route, request);
      } else if (route.dispatch() == Dispatch.ASYNC) {
        start(ctx, exchange, route, request);
      } else {
        respond(ctx, exchange, invoke(route, request));
      }
    } finally {
      http.release();
    }
  }

  private void offload(ChannelHandlerContext ctx, Exchange exchange, Route route,
      Request request) {
    busy = true;
    try {
      blocking.execute(() -> {
        Response response = invoke(route, request);
        try {
          ctx.executor().execute(() -> {
            busy = false;
            respond(ctx, exchange, response);
            next(ctx);
          });
        } catch (RejectedExecutionException e) {
          // the listener is gone: its channels are closed already
        }
      });
    } catch (RejectedExecutionException e) {
      busy = false;
      LOG.log(Level.DEBUG, () -> "blocking pool full: 503 for " + request);
      respond(ctx, exchange, Response.text(503, "server busy: too many requests in flight\n"));
    }
  }

  /**
   * Starts an {@link AsyncHandler}: an answer ready when it returns is written at once (the caller,
   * {@link #next}, goes on with the next request); a later one is written on the event loop.
   */
  private void start(ChannelHandlerContext ctx, Exchange exchange, Route route, Request request) {
    CompletableFuture<Response> answer;
    try {
      answer = route.async().handle(request, blocking);
    } catch (RejectedExecutionException e) {
      LOG.log(Level.DEBUG, () -> "blocking pool full: 503 for " + request);
      respond(ctx, exchange, Response.text(503, "server busy: too many requests in flight\n"));
      return;
    } catch (Throwable e) {
      answer = CompletableFuture.failedFuture(e);
    }
    if (answer == null) {
      answer = CompletableFuture.completedFuture(null);
    }
    if (answer.isDone()) {
      respond(ctx, exchange, outcome(route, request, answer));
      return;
    }
    busy = true;
    CompletableFuture<Response> pendingAnswer = answer;
    answer.whenComplete((r, e) -> {
      try {
        ctx.executor().execute(() -> {
          busy = false;
          respond(ctx, exchange, outcome(route, request, pendingAnswer));
          next(ctx);
        });
      } catch (RejectedExecutionException gone) {
        // the listener is gone: its channels are closed already
      }
    });
  }

  /** The response of a completed {@link AsyncHandler}: a failure or null is a 500, logged. */
  private static Response outcome(Route route, Request request, CompletableFuture<Response> done) {
    try {
      Response response = done.join();
      if (response != null) {
        return response;
      }
      LOG.log(Level.WARNING, "handler of " + route.method() + " " + route.path()
          + " returned null for " + request);
    } catch (CompletionException | CancellationException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      LOG.log(Level.WARNING, "handler of " + route.method() + " " + route.path()
          + " failed on " + request, cause);
    }
    return Response.text(500, "internal error\n");
  }

  private static Response invoke(Route route, Request request) {
    try {
      Response response = route.handler().handle(request);
      if (response != null) {
        return response;
      }
      LOG.log(Level.WARNING, "handler of " + route.method() + " " + route.path()
          + " returned null for " + request);
    } catch (Throwable e) {
      LOG.log(Level.WARNING, "handler of " + route.method() + " " + route.path()
          + " failed on " + request, e);
    }
    return Response.text(500, "internal error\n");
  }

  private void respond(ChannelHandlerContext ctx, Exchange exchange, Response response) {
    boolean close = !exchange.keepAlive() || closing.getAsBoolean();
    ByteBuf http = ResponseBytes.encode(ctx.alloc(), exchange.version() == HttpVersion.HTTP_1_0, response,
        exchange.head(), close);
    lastActive = System.nanoTime();
    if (!close) {
      ctx.writeAndFlush(http, ctx.voidPromise()); // a failed write closes the channel (exceptionCaught)
      return;
    }
    ChannelFuture written = ctx.writeAndFlush(http);
    done = true;
    if (exchange.unreadInput() && ctx.channel() instanceof SocketChannel socket) {
      // Close only our side first: a full close with the request body still arriving makes
      // the peer's TCP reset the connection, and the peer may never read this answer.
      written.addListener(f -> socket.shutdownOutput().addListener(g ->
          ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS)));
      ctx.channel().config().setAutoRead(true);
    } else {
      written.addListener(ChannelFutureListener.CLOSE);
    }
  }

  private static Response malformed(Throwable cause) {
    if (cause instanceof TooLongHttpLineException) {
      return Response.text(414, "request line is too long\n");
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return Response.text(431, "request headers are too large\n");
    }
    String why = String.valueOf(cause.getMessage());
    if (why.length() > 200) {
      why = why.substring(0, 200) + "...";
    }
    return Response.text(400, "malformed HTTP request: " + why + "\n");
  }

  /**
   * The request target in origin form: {@code http://host/json?x} becomes {@code /json?x}.
   */
  private static String originForm(String uri) {
    int scheme = uri.indexOf("://");
    if (scheme > 0 && !uri.startsWith("/")) {
      int slash = uri.indexOf('/', scheme + 3);
      return slash < 0 ? "/" : uri.substring(slash);
    }
    return uri;
  }

  private void drop() {
    Object m;
    while ((m = pending.poll()) != null) {
      ReferenceCountUtil.release(m);
    }
  }

  /**
   * How to answer one request.
   *
   * @param unreadInput the request's bytes may still be arriving (too large, or undecodable)
   */
  private record Exchange(HttpVersion version, boolean keepAlive, boolean head,
      boolean unreadInput) {}
}
