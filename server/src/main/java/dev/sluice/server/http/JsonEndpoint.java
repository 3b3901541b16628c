package dev.sluice.server.http;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.sluice.server.Decider;
import dev.sluice.server.RequestException;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import java.lang.System.Logger.Level;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * {@code POST /json}: envoyproxy/ratelimit's HTTP face of {@code ShouldRateLimit}. The body is
 * the proto3 JSON of a {@code RateLimitRequest}; the answer is the proto3 JSON of the {@code
 * RateLimitResponse}, {@code application/json}, with status 200 when the overall code is OK, 429
 * when OVER_LIMIT and 500 when UNKNOWN, as theirs.
 *
 * <p>The JSON is read and written by {@link RateLimitJson} when the request and the response
 * have the shapes it handles (nearly all), else by {@link StrictJson} and protobuf's {@code
 * JsonFormat}: the same result either way.
 *
 * <p>Errors are {@code text/plain} with one line naming the problem: 400 for a body that is not
 * one strict JSON object of a RateLimitRequest (unknown field, wrong type, duplicate field,
 * invalid UTF-8, empty); for a {@link RequestException} from the decider, its kind's status
 * (400, 503, 500) — theirs answers every service error with 400; 500 for a decider that fails
 * otherwise or answers null (logged; nothing about it is sent).
 */
final class JsonEndpoint implements Handler, AsyncHandler {

  private static final System.Logger LOG = System.getLogger(JsonEndpoint.class.getName());
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().omittingInsignificantWhitespace();
  private static final int MAX_MESSAGE_CHARS = 300;

  private final Decider decider;

  JsonEndpoint(Decider decider) {
    this.decider = decider;
  }

  @Override
  public Response handle(Request request) {
    RateLimitResponse answer;
    try {
      answer = decider.shouldRateLimit(parse(request));
    } catch (RequestException e) {
      return refused(e);
    }
    return answer(answer);
  }

  /**
   * The same answer without blocking the caller: the decider's {@link
   * Decider#shouldRateLimitAsync}, which answers most requests at once and hands the rest to
   * {@code blocking}.
   */
  @Override
  public CompletableFuture<Response> handle(Request request, Executor blocking) {
    RateLimitRequest parsed;
    try {
      parsed = parse(request);
    } catch (RequestException e) {
      return CompletableFuture.completedFuture(refused(e));
    }
    CompletableFuture<RateLimitResponse> decided = decider.shouldRateLimitAsync(parsed, blocking);
    if (decided.isDone() && !decided.isCompletedExceptionally()) { // answered at once: no second future
      return CompletableFuture.completedFuture(answer(decided.join()));
    }
    return decided.handle((answer, failure) -> {
      if (failure == null) {
        return answer(answer);
      }
      Throwable e = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
      if (e instanceof RequestException r) {
        return refused(r);
      }
      throw failure instanceof CompletionException c ? c : new CompletionException(failure);
    });
  }

  private static Response refused(RequestException e) {
    LOG.log(Level.DEBUG, () -> "POST /json: " + e.kind() + ": " + e.getMessage());
    String message = e.getMessage() == null ? e.kind().toString() : e.getMessage();
    return Response.text(e.kind().httpStatus(), shorten(message) + "\n");
  }

  private static Response answer(RateLimitResponse answer) {
    if (answer == null) {
      LOG.log(Level.WARNING, "POST /json: the decider answered null");
      return Response.text(500, "internal error\n");
    }
    byte[] json = RateLimitJson.printResponse(answer);
    try {
      if (json == null) {
        json = PRINTER.print(answer).getBytes(StandardCharsets.UTF_8);
      }
    } catch (InvalidProtocolBufferException e) {
      LOG.log(Level.WARNING, "POST /json: cannot print the response as JSON", e);
      return Response.text(500, "internal error\n");
    }
    int status = switch (answer.getOverallCode()) {
      case OK -> 200;
      case OVER_LIMIT -> 429;
      default -> 500; // UNKNOWN, or a code newer than this build: theirs says 500 too
    };
    return Response.jsonBytes(status, json);
  }

  /** The request in {@code body}, or why there is none. */
  static RateLimitRequest parse(Request request) throws RequestException {
    RateLimitRequest common = RateLimitJson.parseRequest(request.bodyBytes());
    return common != null ? common : parseGeneral(request);
  }

  /** {@link #parse} without {@link RateLimitJson}'s shortcut: strict JSON, then {@code JsonFormat}. */
  static RateLimitRequest parseGeneral(Request request) throws RequestException {
    String json;
    try {
      json = request.bodyUtf8();
    } catch (CharacterCodingException e) {
      throw RequestException.invalid("request body is not valid UTF-8");
    }
    if (json.isBlank()) {
      throw RequestException.invalid("request body is empty: expected the JSON of a"
          + " RateLimitRequest, e.g. {\"domain\": \"d\", \"descriptors\": [{\"entries\":"
          + " [{\"key\": \"k\", \"value\": \"v\"}]}]}");
    }
    StrictJson.check(json);
    RateLimitRequest.Builder builder = RateLimitRequest.newBuilder();
    try {
      PARSER.merge(json, builder);
    } catch (InvalidProtocolBufferException e) {
      throw RequestException.invalid("invalid RateLimitRequest: " + firstLine(e.getMessage()));
    }
    return builder.build();
  }

  private static String firstLine(String message) {
    String m = String.valueOf(message);
    int newline = m.indexOf('\n');
    return shorten(newline < 0 ? m : m.substring(0, newline));
  }

  private static String shorten(String message) {
    return message.length() <= MAX_MESSAGE_CHARS ? message
        : message.substring(0, MAX_MESSAGE_CHARS) + "...";
  }
}
