package dev.sluice.server.grpc;

import dev.sluice.server.Decider;
import dev.sluice.server.RequestException;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code envoy.service.ratelimit.v3.RateLimitService}: each call is answered by the
 * {@link Decider}; a {@link RequestException} becomes the gRPC status of its kind
 * (INVALID_ARGUMENT, UNAVAILABLE, INTERNAL) with its message as the description.
 */
final class RateLimitGrpcService extends RateLimitServiceGrpc.RateLimitServiceImplBase {

  private static final Logger LOG = Logger.getLogger(RateLimitGrpcService.class.getName());

  private final Decider decider;

  RateLimitGrpcService(Decider decider) {
    this.decider = decider;
  }

  @Override
  public void shouldRateLimit(RateLimitRequest request, StreamObserver<RateLimitResponse> observer) {
    RateLimitResponse response;
    try {
      response = decider.shouldRateLimit(request);
    } catch (RequestException e) {
      Status status = switch (e.kind()) {
        case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
        case UNAVAILABLE -> Status.UNAVAILABLE;
        case INTERNAL -> Status.INTERNAL;
      };
      observer.onError(status.withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "ShouldRateLimit failed", e);
      observer.onError(Status.INTERNAL.withDescription("internal error: " + e).asRuntimeException());
      return;
    }
    observer.onNext(response);
    observer.onCompleted();
  }
}
