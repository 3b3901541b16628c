package dev.sluice.server;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Answers one {@code ShouldRateLimit} call. The gRPC service and the HTTP {@code POST /json}
 * route both call it, so both give the same answer to the same request.
 */
@FunctionalInterface
public interface Decider {

  /**
   * Decides a request.
   *
   * @param request the request, as received (not yet validated)
   * @return the response
   * @throws RequestException if the request is invalid (nothing was charged) or the store could
   *     not decide and the failure choice is to say so
   */
  RateLimitResponse shouldRateLimit(RateLimitRequest request) throws RequestException;

  /**
   * Decides a request without blocking the caller: by default {@link #shouldRateLimit} on
   * {@code blocking}. A decider whose store answers asynchronously overrides it so that no thread
   * waits for the store.
   *
   * @param request the request
   * @param blocking where a decision that may block runs
   * @return the response; completed exceptionally with the {@link RequestException} (or runtime
   *     exception) that {@link #shouldRateLimit} would throw
   */
  default CompletableFuture<RateLimitResponse> shouldRateLimitAsync(RateLimitRequest request, Executor blocking) {
    CompletableFuture<RateLimitResponse> answer = new CompletableFuture<>();
    blocking.execute(() -> {
      try {
        answer.complete(shouldRateLimit(request));
      } catch (Throwable t) {
        answer.completeExceptionally(t);
      }
    });
    return answer;
  }
}
