package dev.sluice.server.grpc;

import dev.sluice.server.Decider;
import dev.sluice.server.RequestException;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code envoy.service.ratelimit.v3.RateLimitService}: each call is answered by the
 * {@link Decider}; a {@link RequestException} becomes the gRPC status of its kind
 * (INVALID_ARGUMENT, UNAVAILABLE, INTERNAL) with its message as the description.
 *
 * <p>A request whose bytes are not a {@code RateLimitRequest} (a proto3 string that is not valid
 * UTF-8, a truncated field) is an INVALID_ARGUMENT naming the problem: the method is bound with a
 * marshaller that hands the parse failure to the handler instead of throwing it, which grpc-java
 * would answer with UNKNOWN ("Application error processing RPC").
 */
final class RateLimitGrpcService implements BindableService {

  private static final Logger LOG = Logger.getLogger(RateLimitGrpcService.class.getName());

  private final Decider decider;
  private final java.util.concurrent.Executor blocking;

  /**
   * A service.
   *
   * @param decider answers the calls
   * @param blocking where decisions that may block run (the calls themselves are handled on the
   *     transport's threads: most are answered from the store's thread without blocking anyone)
   */
  RateLimitGrpcService(Decider decider, java.util.concurrent.Executor blocking) {
    this.decider = decider;
    this.blocking = blocking;
  }

  /** A request as parsed: the message, or why its bytes are not one. */
  private record Parsed(RateLimitRequest request, String error) {}

  /** Parses with protobuf's marshaller; a parse failure becomes a {@link Parsed} with its reason. */
  private static final class ParsingMarshaller implements MethodDescriptor.Marshaller<Parsed> {
    private final MethodDescriptor.Marshaller<RateLimitRequest> proto =
        ProtoUtils.marshaller(RateLimitRequest.getDefaultInstance());

    @Override
    public InputStream stream(Parsed value) {
      return proto.stream(value.request());
    }

    @Override
    public Parsed parse(InputStream stream) {
      try {
        return new Parsed(proto.parse(stream), null);
      } catch (StatusRuntimeException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        return new Parsed(null, "the request is not a valid RateLimitRequest: " + cause.getMessage());
      }
    }
  }

  @Override
  public ServerServiceDefinition bindService() {
    MethodDescriptor<RateLimitRequest, RateLimitResponse> generated = RateLimitServiceGrpc.getShouldRateLimitMethod();
    MethodDescriptor<Parsed, RateLimitResponse> method =
        generated.toBuilder(new ParsingMarshaller(), generated.getResponseMarshaller()).build();
    return ServerServiceDefinition.builder(RateLimitServiceGrpc.SERVICE_NAME)
        .addMethod(ServerMethodDefinition.create(method, ServerCalls.asyncUnaryCall((Parsed p, StreamObserver<RateLimitResponse> o) -> {
          if (p.error() != null) {
            o.onError(Status.INVALID_ARGUMENT.withDescription(p.error()).asRuntimeException());
          } else {
            shouldRateLimit(p.request(), o);
          }
        })))
        .build();
  }

  /** Answers one call. */
  void shouldRateLimit(RateLimitRequest request, StreamObserver<RateLimitResponse> observer) {
    java.util.concurrent.CompletableFuture<RateLimitResponse> answer;
    try {
      answer = decider.shouldRateLimitAsync(request, blocking);
    } catch (RuntimeException e) {
      answer = java.util.concurrent.CompletableFuture.failedFuture(e);
    }
    answer.whenComplete((response, failure) -> {
      if (failure == null) {
        observer.onNext(response);
        observer.onCompleted();
        return;
      }
      Throwable e = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      if (e instanceof RequestException r) {
        Status status = switch (r.kind()) {
          case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
          case UNAVAILABLE -> Status.UNAVAILABLE;
          case INTERNAL -> Status.INTERNAL;
        };
        observer.onError(status.withDescription(r.getMessage()).asRuntimeException());
      } else {
        LOG.log(Level.SEVERE, "ShouldRateLimit failed", e);
        observer.onError(Status.INTERNAL.withDescription("internal error (logged by the server)").asRuntimeException());
      }
    });
  }
}
