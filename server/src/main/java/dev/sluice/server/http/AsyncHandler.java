package dev.sluice.server.http;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Answers one request without blocking the event loop: a handler that can often answer at once
 * (a decision on the in-memory store, a store that answers asynchronously) and hands only the
 * work that may block to {@code blocking}. A future completed when {@code handle} returns is
 * written at once, on the event loop, with no thread hand-off.
 */
@FunctionalInterface
public interface AsyncHandler {

  /**
   * Answers {@code request}.
   *
   * @param request the request, body complete
   * @param blocking the listener's bounded pool, for work that may block; it may reject a task
   *     ({@link java.util.concurrent.RejectedExecutionException}) when full
   * @return the response, never {@code null}; a future that fails gets a 500 (logged)
   */
  CompletableFuture<Response> handle(Request request, Executor blocking);
}
