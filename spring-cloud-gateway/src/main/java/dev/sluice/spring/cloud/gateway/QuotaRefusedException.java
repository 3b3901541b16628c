package dev.sluice.spring.cloud.gateway;

import dev.sluice.http.QuotaAnswer;
import java.util.Objects;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.server.ResponseStatusException;

/**
 * A refusal that {@code RequestRateLimiter} cannot answer itself, since it answers every denial
 * with one status: the store could not decide and the policy fails closed (503), the in-memory
 * store is full (503), or a cost exceeds a policy's limit (422). {@link QuotaRefusalHandler} writes
 * its {@link #answer()} (status, headers, problem+json body); without it, the application's error
 * handling sees a {@link ResponseStatusException} of that status, with the answer's headers.
 */
public final class QuotaRefusedException extends ResponseStatusException {

  private static final long serialVersionUID = 1L;

  private final transient QuotaAnswer answer;

  /**
   * A refusal carrying its answer.
   *
   * @param answer the answer; a refusal
   * @throws IllegalArgumentException if {@code answer} is an admission
   */
  public QuotaRefusedException(QuotaAnswer answer) {
    super(HttpStatusCode.valueOf(check(answer).status()), answer.detail());
    this.answer = answer;
  }

  private static QuotaAnswer check(QuotaAnswer answer) {
    Objects.requireNonNull(answer, "answer");
    if (!answer.refused()) {
      throw new IllegalArgumentException("not a refusal: " + answer);
    }
    return answer;
  }

  /**
   * The answer to send.
   *
   * @return the answer: status, headers and problem body
   */
  public QuotaAnswer answer() {
    return answer;
  }

  /**
   * The answer's headers ({@code Retry-After} and the RateLimit headers of the style), for error
   * handling that copies an exception's headers.
   *
   * @return the headers
   */
  @Override
  public HttpHeaders getHeaders() {
    HttpHeaders h = new HttpHeaders();
    answer.headers().forEach(h::set);
    return h;
  }
}
