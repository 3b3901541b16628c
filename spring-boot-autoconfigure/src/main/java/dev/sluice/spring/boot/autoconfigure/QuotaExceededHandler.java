package dev.sluice.spring.boot.autoconfigure;

import dev.sluice.Concurrency;
import dev.sluice.Policy;
import dev.sluice.QuotaExceeded;
import dev.sluice.QuotaExceededException;
import dev.sluice.http.QuotaAnswer;
import dev.sluice.http.QuotaConfig;
import java.time.Duration;
import java.util.Map;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Turns core's {@link QuotaExceededException} (from a {@link RateLimited} method, or from the
 * application's own use of the engine) that reaches a Spring MVC or WebFlux controller into the
 * answer {@link QuotaAnswer} gives: 429 with {@code Retry-After} and an
 * {@code application/problem+json} body (422 for a cost that can never pass, 503 when the store
 * could not decide and the policy fails closed).
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
public class QuotaExceededHandler {

  private final Map<String, Policy> policies;
  private final QuotaAnswer.HeaderStyle style;

  /**
   * A handler answering with the configured policies and header style.
   *
   * @param config the configuration
   */
  public QuotaExceededHandler(QuotaConfig config) {
    this.policies = config.policies();
    this.style = config.headers();
  }

  /**
   * The answer to a denial.
   *
   * @param e the denial
   * @return the status, headers and problem body
   */
  @ExceptionHandler(QuotaExceededException.class)
  public ResponseEntity<byte[]> handle(QuotaExceededException e) {
    QuotaAnswer answer = answer(e.quota());
    ResponseEntity.BodyBuilder b = ResponseEntity.status(answer.status());
    for (Map.Entry<String, String> h : answer.headers().entrySet()) {
      b.header(h.getKey(), h.getValue());
    }
    return b.contentType(MediaType.parseMediaType(QuotaAnswer.PROBLEM_JSON)).body(answer.body());
  }

  QuotaAnswer answer(QuotaExceeded q) {
    Policy p = QuotaProblems.policy(policies, q);
    if (p != null) {
      return QuotaProblems.answer(p, q, "1 call", style);
    }
    // a policy this configuration does not know: the body and Retry-After, no rate-limit headers
    // (its window is not known here)
    Policy stand = Concurrency.of(q.policy(), q.limit(), Duration.ofMinutes(1));
    return QuotaProblems.answer(stand, q, "1 call", QuotaAnswer.HeaderStyle.NONE);
  }
}
