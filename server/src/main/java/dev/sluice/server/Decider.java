package dev.sluice.server;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;

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
}
