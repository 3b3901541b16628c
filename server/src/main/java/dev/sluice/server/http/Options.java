package dev.sluice.server.http;

import java.time.Duration;
import java.util.Objects;

/**
 * How one {@link HttpListener} runs: limits, threads and timeouts. Immutable; build with
 * {@link #builder()}, or take {@link #defaults()}.
 *
 * @param maxRequestBytes the largest request body accepted; a larger one gets 413 and the
 *     connection is closed. Default 1 MiB.
 * @param maxHeaderBytes the largest header block accepted; a larger one gets 431 and the
 *     connection is closed. Default 8 KiB (Netty's default; Go's is 1 MiB).
 * @param workerThreads event loop threads; 0 means Netty's default (twice the processors)
 * @param blockingThreads threads of the pool that runs blocking routes (the {@code /json}
 *     decision); default four per processor, at least 8. Unused when no route blocks.
 * @param blockingQueue requests that may wait for a blocking thread; beyond that a request gets
 *     503. Default 1024.
 * @param idleTimeout how long a connection may stay silent with no request in flight before it
 *     is closed; {@link Duration#ZERO} keeps it open forever. Default 60 s.
 * @param shutdownGrace how long {@link HttpListener#close()} lets requests in flight finish
 *     before it closes their connections. Default 5 s.
 */
public record Options(
    int maxRequestBytes,
    int maxHeaderBytes,
    int workerThreads,
    int blockingThreads,
    int blockingQueue,
    Duration idleTimeout,
    Duration shutdownGrace) {

  /** Validates every field, naming the bad one. */
  public Options {
    atLeast("maxRequestBytes", maxRequestBytes, 0);
    atLeast("maxHeaderBytes", maxHeaderBytes, 1024);
    atLeast("workerThreads", workerThreads, 0);
    atLeast("blockingThreads", blockingThreads, 1);
    atLeast("blockingQueue", blockingQueue, 0);
    notNegative("idleTimeout", idleTimeout);
    notNegative("shutdownGrace", shutdownGrace);
  }

  /** The defaults. */
  public static Options defaults() {
    return builder().build();
  }

  /** A builder that starts from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder that starts from these options. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.maxRequestBytes = maxRequestBytes;
    b.maxHeaderBytes = maxHeaderBytes;
    b.workerThreads = workerThreads;
    b.blockingThreads = blockingThreads;
    b.blockingQueue = blockingQueue;
    b.idleTimeout = idleTimeout;
    b.shutdownGrace = shutdownGrace;
    return b;
  }

  private static void atLeast(String field, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(field + " (" + value + ") must be at least " + min);
    }
  }

  private static void notNegative(String field, Duration value) {
    Objects.requireNonNull(value, field);
    if (value.isNegative()) {
      throw new IllegalArgumentException(field + " (" + value + ") must not be negative");
    }
  }

  /** Builds {@link Options}. */
  public static final class Builder {
    private int maxRequestBytes = 1 << 20;
    private int maxHeaderBytes = 8 << 10;
    private int workerThreads = 0;
    private int blockingThreads = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
    private int blockingQueue = 1024;
    private Duration idleTimeout = Duration.ofSeconds(60);
    private Duration shutdownGrace = Duration.ofSeconds(5);

    private Builder() {}

    /** See {@link Options#maxRequestBytes()}. */
    public Builder maxRequestBytes(int bytes) {
      this.maxRequestBytes = bytes;
      return this;
    }

    /** See {@link Options#maxHeaderBytes()}. */
    public Builder maxHeaderBytes(int bytes) {
      this.maxHeaderBytes = bytes;
      return this;
    }

    /** See {@link Options#workerThreads()}. */
    public Builder workerThreads(int threads) {
      this.workerThreads = threads;
      return this;
    }

    /** See {@link Options#blockingThreads()}. */
    public Builder blockingThreads(int threads) {
      this.blockingThreads = threads;
      return this;
    }

    /** See {@link Options#blockingQueue()}. */
    public Builder blockingQueue(int requests) {
      this.blockingQueue = requests;
      return this;
    }

    /** See {@link Options#idleTimeout()}. */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = timeout;
      return this;
    }

    /** See {@link Options#shutdownGrace()}. */
    public Builder shutdownGrace(Duration grace) {
      this.shutdownGrace = grace;
      return this;
    }

    /** The options; validates every field. */
    public Options build() {
      return new Options(maxRequestBytes, maxHeaderBytes, workerThreads, blockingThreads,
          blockingQueue, idleTimeout, shutdownGrace);
    }
  }
}
