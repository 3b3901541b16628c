package dev.sluice.server.api;

import dev.sluice.server.http.Handler;
import java.lang.System.Logger.Level;

/** The wrapper of every route of the API: a {@link Problem} becomes its response. */
final class Handlers {

  private static final System.Logger LOG = System.getLogger(Handlers.class.getName());

  private Handlers() {}

  /**
   * {@code handler}, answering a thrown {@link Problem} as problem+json, and anything else it
   * throws as a 500 problem (logged with the request; nothing of it is sent).
   */
  static Handler guarded(Handler handler) {
    return request -> {
      try {
        return handler.handle(request);
      } catch (Problem p) {
        return p.response();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "internal error on " + request, e);
        return new Problem(Problem.Type.INTERNAL, "the server failed on this request; it is logged")
            .response();
      }
    };
  }
}
