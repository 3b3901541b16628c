package dev.sluice.server;

import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT as a request to stop, so that {@code serve} can stop gracefully and exit
 * with status 0 (a JVM that dies of the signal exits 143 or 130). A second signal while stopping
 * exits at once with 130.
 */
final class Signals {

  private Signals() {}

  static void onStop(Runnable stop) {
    AtomicBoolean stopping = new AtomicBoolean();
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), s -> {
        if (!stopping.compareAndSet(false, true)) {
          Runtime.getRuntime().halt(130);
        }
        stop.run();
      });
    }
  }
}
