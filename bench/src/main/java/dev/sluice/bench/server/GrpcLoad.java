package dev.sluice.bench.server;

import dev.sluice.bench.Callers;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;

/**
 * The gRPC load generator of {@link ServerReport}: grpc-java's own client (Netty, shaded) on its
 * own event loop group, {@code connections} channels (one HTTP/2 connection each) to one port.
 *
 * <p>{@link #keepInFlight}: asynchronous stubs with {@code directExecutor()}, so each answer is
 * handled on the event loop thread that read it and the next call is started right there; a
 * fixed number of calls is always outstanding (spread over the channels), a closed loop. Per
 * call, the time from starting it to its {@code onCompleted} goes into an HdrHistogram (3
 * significant digits) per channel, merged at the end. {@link #blocking} is the other way to load
 * a server, kept to compare: that many threads each making blocking calls ({@link Callers}).
 * Every call carries one descriptor, its value drawn uniformly at random from {@code keys}
 * prepared requests, per channel or thread from its own seeded random.
 */
final class GrpcLoad implements AutoCloseable {

  private static final int WARMUP = 0;
  private static final int MEASURE = 1;
  private static final int STOP = 2;

  private final EventLoopGroup group;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final String transport;

  GrpcLoad(int port, int connections, int eventLoopThreads) {
    boolean epoll = Epoll.isAvailable();
    DefaultThreadFactory threads = new DefaultThreadFactory("bench-grpc-client", true);
    this.group = epoll ? new EpollEventLoopGroup(eventLoopThreads, threads)
        : new NioEventLoopGroup(eventLoopThreads, threads);
    this.transport = (epoll ? "epoll" : "NIO") + ", " + eventLoopThreads + " event loop thread(s), "
        + connections + " connection(s)";
    for (int i = 0; i < connections; i++) {
      channels.add(NettyChannelBuilder.forAddress("127.0.0.1", port)
          .usePlaintext()
          .eventLoopGroup(group)
          .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
          .directExecutor()
          .build());
    }
  }

  String transport() {
    return transport;
  }

  /** One blocking call, to check the server answers (and to capture its answer). */
  RateLimitResponse call(RateLimitRequest request) {
    return RateLimitServiceGrpc.newBlockingStub(channels.get(0))
        .withDeadlineAfter(30, TimeUnit.SECONDS).shouldRateLimit(request);
  }

  /**
   * Keeps {@code inFlight} calls outstanding for {@code warmup} s, then {@code time} s measured,
   * then lets the outstanding ones finish (not counted unless started while measuring); {@code
   * cpu} spans the measured seconds.
   */
  Callers.Totals keepInFlight(IntFunction<RateLimitRequest> requests, int keys, int inFlight,
      int warmup, int time, CpuWindow cpu) throws InterruptedException {
    Run run = new Run(requests, inFlight, i -> keys == 1 ? 0 : i.random.nextInt(keys));
    run.phase = WARMUP;
    run.startAll();
    Thread.sleep(TimeUnit.SECONDS.toMillis(warmup));
    cpu.start();
    long t0 = System.nanoTime();
    run.phase = MEASURE;
    Thread.sleep(TimeUnit.SECONDS.toMillis(time));
    run.phase = STOP;
    long t1 = System.nanoTime();
    cpu.end(-1);
    run.drain();
    return run.totals((t1 - t0) / 1e9);
  }

  /** Calls {@code requests.apply(i)} once for every i below {@code n}, {@code inFlight} at a time. */
  Callers.Totals each(IntFunction<RateLimitRequest> requests, int n, int inFlight)
      throws InterruptedException {
    AtomicLong next = new AtomicLong();
    Run run = new Run(requests, inFlight, i -> {
      long k = next.getAndIncrement();
      return k < n ? (int) k : -1;
    });
    run.phase = MEASURE;
    long t0 = System.nanoTime();
    run.startAll();
    run.drain();
    return run.totals((System.nanoTime() - t0) / 1e9);
  }

  /**
   * {@code threads} platform threads each making blocking calls for {@code warmup} s, then
   * {@code time} s measured ({@link Callers}); thread calls go to channel (key mod connections).
   */
  Callers.Totals blocking(IntFunction<RateLimitRequest> requests, int keys, int threads, int warmup,
      int time, CpuWindow cpu) throws InterruptedException {
    List<RateLimitServiceGrpc.RateLimitServiceBlockingStub> stubs = new ArrayList<>();
    channels.forEach(c -> stubs.add(RateLimitServiceGrpc.newBlockingStub(c)));
    Callers callers = Callers.start(threads, false, keys, key -> {
      RateLimitResponse r = stubs.get(key % stubs.size()).shouldRateLimit(requests.apply(key));
      return r.getOverallCode() == RateLimitResponse.Code.OK ? Callers.ADMITTED : Callers.DENIED;
    });
    callers.warmup(warmup);
    cpu.start();
    callers.measure(time);
    cpu.end(-1);
    return callers.join("grpc blocking");
  }

  /** What picks a lane's next key: an index, or -1 for no more calls. */
  private interface NextKey {
    int next(Lane lane);
  }

  /** One measurement: lanes (one per channel) sharing the outstanding calls. */
  private final class Run {
    final IntFunction<RateLimitRequest> requests;
    final int inFlight;
    final NextKey nextKey;
    final List<Lane> lanes = new ArrayList<>();
    final AtomicInteger outstanding = new AtomicInteger();
    volatile int phase;

    Run(IntFunction<RateLimitRequest> requests, int inFlight, NextKey nextKey) {
      this.requests = requests;
      this.inFlight = inFlight;
      this.nextKey = nextKey;
      for (int i = 0; i < channels.size(); i++) {
        lanes.add(new Lane(this, channels.get(i), i));
      }
    }

    void startAll() {
      outstanding.addAndGet(inFlight);
      for (int i = 0; i < inFlight; i++) {
        lanes.get(i % lanes.size()).issue();
      }
    }

    void drain() throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (outstanding.get() > 0) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(outstanding.get() + " gRPC calls still outstanding after 120 s");
        }
        Thread.sleep(5);
      }
    }

    Callers.Totals totals(double seconds) {
      Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
      long calls = 0;
      long denied = 0;
      long errors = 0;
      String firstError = null;
      for (Lane l : lanes) {
        synchronized (l) {
          latency.add(l.latency);
          calls += l.calls;
          denied += l.denied;
          errors += l.errors;
          if (firstError == null && l.firstError != null) {
            firstError = l.firstError.toString();
          }
        }
      }
      return new Callers.Totals(calls, denied, 0, 0, errors, firstError, seconds, latency);
    }
  }

  /**
   * One channel's share of the calls. Its answers arrive on the channel's event loop thread; the
   * counts are still updated under the lane's lock (uncontended), as the first calls start from
   * the measuring thread and a failed call may be answered on the caller's thread.
   */
  private final class Lane {
    final Run run;
    final RateLimitServiceGrpc.RateLimitServiceStub stub;
    final EventLoopGroup loop = group;
    final SplittableRandom random;
    final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    long calls;
    long denied;
    long errors;
    Throwable firstError;

    Lane(Run run, ManagedChannel channel, int index) {
      this.run = run;
      this.stub = RateLimitServiceGrpc.newStub(channel);
      this.random = new SplittableRandom(0x5EED + index);
    }

    void issue() {
      int p = run.phase;
      int key;
      if (p == STOP || (key = nextKey()) < 0) {
        run.outstanding.decrementAndGet();
        return;
      }
      long t0 = System.nanoTime();
      stub.shouldRateLimit(run.requests.apply(key), new StreamObserver<>() {
        RateLimitResponse response;

        @Override
        public void onNext(RateLimitResponse value) {
          response = value;
        }

        @Override
        public void onError(Throwable t) {
          synchronized (Lane.this) {
            if (p == MEASURE) {
              errors++;
            }
            if (firstError == null) {
              firstError = t;
            }
          }
          // not from inside this call's stack: a refused connection fails at once
          loop.next().execute(Lane.this::issue);
        }

        @Override
        public void onCompleted() {
          long t = System.nanoTime() - t0;
          if (p == MEASURE) {
            synchronized (Lane.this) {
              latency.recordValue(Math.min(t, latency.getHighestTrackableValue()));
              calls++;
              if (response == null || response.getOverallCode() != RateLimitResponse.Code.OK) {
                denied++;
              }
            }
          }
          issue();
        }
      });
    }

    private int nextKey() {
      synchronized (this) {
        return run.nextKey.next(this);
      }
    }
  }

  @Override
  public void close() {
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    for (ManagedChannel c : channels) {
      try {
        c.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
