package dev.sluice.spring.cloud.gateway;

import dev.sluice.http.QuotaAnswer;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Writes a {@link QuotaRefusedException} as Sluice's HTTP answer: its status (503, 422), its
 * headers and its RFC 9457 {@code application/problem+json} body, the same as the Servlet
 * filter's. It runs before Spring Boot's error handler ({@link #ORDER}); any other error, or a
 * response already committed, goes on to the next handler.
 */
public final class QuotaRefusalHandler implements WebExceptionHandler, Ordered {

  /** Its order: before Spring Boot's {@code ErrorWebExceptionHandler} (-1). */
  public static final int ORDER = -2;

  /** A handler. */
  public QuotaRefusalHandler() {}

  @Override
  public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
    ServerHttpResponse response = exchange.getResponse();
    if (!(ex instanceof QuotaRefusedException refused) || response.isCommitted()) {
      return Mono.error(ex);
    }
    QuotaAnswer answer = refused.answer();
    response.setStatusCode(HttpStatusCode.valueOf(answer.status()));
    HttpHeaders headers = response.getHeaders();
    answer.headers().forEach(headers::set);
    byte[] body = answer.body();
    headers.set(HttpHeaders.CONTENT_TYPE, QuotaAnswer.PROBLEM_JSON);
    headers.setContentLength(body.length);
    return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
  }

  @Override
  public int getOrder() {
    return ORDER;
  }
}
