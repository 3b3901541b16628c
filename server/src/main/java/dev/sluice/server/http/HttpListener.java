package dev.sluice.server.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * One HTTP/1.1 server on one address, serving one {@link Routes} table (Netty, NIO transport).
 *
 * <p><b>Threads.</b> One acceptor thread, {@link Options#workerThreads()} event loop threads that
 * parse, route and write, and, when a route blocks ({@link Routes.Builder#postBlocking}), a fixed
 * pool of {@link Options#blockingThreads()} with a queue of {@link Options#blockingQueue()}:
 * the {@code /json} decision may wait on the store, and a blocked event loop would stall every
 * connection it serves. When the queue is full the request gets 503 at once rather than waiting
 * without bound. Non-blocking routes (health, debug text) run on the event loop: no hand-off.
 *
 * <p><b>Connections.</b> Keep-alive and pipelining: requests on one connection are answered in
 * order, one at a time ({@link Connection}). Bodies are bounded ({@link
 * Options#maxRequestBytes()}, 413), headers too ({@link Options#maxHeaderBytes()}, 431), and an
 * idle connection is closed after {@link Options#idleTimeout()}.
 *
 * <p><b>Closing.</b> {@link #close()} stops accepting, closes idle connections, lets requests in
 * flight finish (their responses say {@code Connection: close}) for up to {@link
 * Options#shutdownGrace()}, then closes whatever is left and stops the threads.
 */
public final class HttpListener implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(HttpListener.class.getName());
  /** After the grace, how long to wait for the threads to stop. */
  private static final long STOP_MILLIS = 2_000;
  private static final int MAX_INITIAL_LINE_BYTES = 4096;

  private final Channel server;
  private final InetSocketAddress address;
  private final EventLoopGroup acceptor;
  private final EventLoopGroup workers;
  private final ThreadPoolExecutor blocking;
  private final ChannelGroup connections;
  private final AtomicBoolean closing;
  private final Options options;

  private HttpListener(Channel server, EventLoopGroup acceptor, EventLoopGroup workers,
      ThreadPoolExecutor blocking, ChannelGroup connections, AtomicBoolean closing,
      Options options) {
    this.server = server;
    this.address = (InetSocketAddress) server.localAddress();
    this.acceptor = acceptor;
    this.workers = workers;
    this.blocking = blocking;
    this.connections = connections;
    this.closing = closing;
    this.options = options;
  }

  /**
   * Starts a listener.
   *
   * @param address where to listen; port 0 picks a free port ({@link #address()} tells which)
   * @param routes what to serve
   * @param options limits, threads and timeouts
   * @return the running listener
   * @throws IOException if it cannot listen there (address in use, no permission)
   */
  public static HttpListener start(InetSocketAddress address, Routes routes, Options options)
      throws IOException {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(routes, "routes");
    Objects.requireNonNull(options, "options");
    EventLoopGroup acceptor = new MultiThreadIoEventLoopGroup(1,
        new DefaultThreadFactory("sluice-http-accept"), NioIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(options.workerThreads(),
        new DefaultThreadFactory("sluice-http"), NioIoHandler.newFactory());
    ThreadPoolExecutor blocking = routes.blocks() ? blockingPool(options) : null;
    ChannelGroup connections = new DefaultChannelGroup("sluice-http", GlobalEventExecutor.INSTANCE);
    AtomicBoolean closing = new AtomicBoolean();

    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(acceptor, workers)
        .channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            connections.add(ch);
            pipeline(ch.pipeline(), routes, options, blocking, closing::get);
          }
        });
    ChannelFuture bound = bootstrap.bind(address).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      stop(acceptor, workers, blocking);
      Throwable cause = bound.cause();
      throw new IOException("cannot listen for HTTP on " + address + ": " + cause.getMessage(),
          cause);
    }
    HttpListener listener = new HttpListener(bound.channel(), acceptor, workers, blocking,
        connections, closing, options);
    LOG.log(Level.DEBUG, () -> "listening for HTTP on " + listener.address + ": " + routes);
    return listener;
  }

  /**
   * Sets up one connection's handlers: the request decoder, the body limit and the routing (which
   * also closes the connection when idle). Public for the benchmarks, which measure this pipeline on an embedded channel.
   *
   * @param p the connection's pipeline
   * @param routes what to serve
   * @param options limits and timeouts
   * @param blocking where blocking routes run; null if none does
   * @param closing whether the listener is closing
   */
  public static void pipeline(ChannelPipeline p, Routes routes, Options options, Executor blocking,
      BooleanSupplier closing) {
    p.addLast(new HttpRequestDecoder(new HttpDecoderConfig()
        .setMaxInitialLineLength(MAX_INITIAL_LINE_BYTES)
        .setMaxHeaderSize(options.maxHeaderBytes())));
    p.addLast(new ContinueEncoder());
    p.addLast(new BodyLimit(options.maxRequestBytes()));
    p.addLast(new Connection(routes, blocking, closing, options.idleTimeout().toMillis()));
  }

  /**
   * Encodes only what the body limit writes itself ({@code 100 Continue}, {@code 417}); the
   * connection's answers are already bytes ({@link ResponseBytes}) and pass through.
   */
  private static final class ContinueEncoder extends HttpResponseEncoder {
    @Override
    public boolean acceptOutboundMessage(Object msg) throws Exception {
      return msg instanceof HttpObject && super.acceptOutboundMessage(msg);
    }
  }

  /** The address it listens on, with the actual port. */
  public InetSocketAddress address() {
    return address;
  }

  /**
   * Stops: no new connections; idle connections close now; requests in flight get up to {@link
   * Options#shutdownGrace()} to finish, their responses carrying {@code Connection: close}; then
   * every connection is closed and the threads stop. Requests that were pipelined behind one in
   * flight are not answered (the client may retry them: they were not run). Returns when done;
   * a second call returns at once.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    long graceMillis = options.shutdownGrace().toMillis();
    server.close().awaitUninterruptibly();
    for (Channel connection : connections) {
      connection.pipeline().fireUserEventTriggered(Connection.DRAIN);
    }
    if (!connections.newCloseFuture().awaitUninterruptibly(graceMillis)) {
      LOG.log(Level.WARNING, "HTTP on " + address + ": " + connections.size()
          + " connection(s) still busy after the grace of " + options.shutdownGrace()
          + "; closing them");
    }
    connections.close().awaitUninterruptibly(STOP_MILLIS);
    stop(acceptor, workers, blocking);
  }

  private static void stop(EventLoopGroup acceptor, EventLoopGroup workers,
      ThreadPoolExecutor blocking) {
    if (blocking != null) {
      blocking.shutdownNow();
    }
    acceptor.shutdownGracefully(0, STOP_MILLIS, TimeUnit.MILLISECONDS);
    workers.shutdownGracefully(0, STOP_MILLIS, TimeUnit.MILLISECONDS);
    acceptor.terminationFuture().awaitUninterruptibly(STOP_MILLIS);
    workers.terminationFuture().awaitUninterruptibly(STOP_MILLIS);
  }

  private static ThreadPoolExecutor blockingPool(Options options) {
    BlockingQueue<Runnable> queue = options.blockingQueue() == 0 ? new SynchronousQueue<>()
        : new ArrayBlockingQueue<>(options.blockingQueue());
    int threads = options.blockingThreads();
    return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, queue,
        new DefaultThreadFactory("sluice-http-blocking", true));
  }

  @Override
  public String toString() {
    return "HttpListener[" + address + (closing.get() ? ", closing" : "") + "]";
  }
}
