package dev.sluice.server.http;

/**
 * Answers one request on one route. A handler that throws gets a 500 with a short text body
 * (the exception is logged, never sent).
 */
@FunctionalInterface
public interface Handler {

  /**
   * Answers {@code request}.
   *
   * @param request the request, body complete
   * @return the response, never {@code null}
   */
  Response handle(Request request);
}
