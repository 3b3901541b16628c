package dev.sluice.server;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The server's health, as envoyproxy/ratelimit keeps it: a set of components that are each
 * healthy or not; the server is healthy when all are. {@code GET /healthcheck} answers 200 "OK"
 * or 500, and the gRPC health service says SERVING or NOT_SERVING from the same state.
 *
 * <p>Components: {@value #STORE} (the store answers), {@value #CONFIG} (present only with
 * {@code HEALTHY_WITH_AT_LEAST_ONE_CONFIG_LOADED}: healthy once a config with at least one domain is
 * loaded) and {@value #SIGTERM} (turned unhealthy when a stop signal arrives, so that load
 * balancers drain the server before it exits).
 */
public final class Health {

  /** The store component. */
  public static final String STORE = "store";
  /** The config component. */
  public static final String CONFIG = "config";
  /** The stop-signal component. */
  public static final String SIGTERM = "sigterm";

  private final Map<String, Boolean> components = new LinkedHashMap<>();
  private volatile boolean healthy;
  private volatile Runnable onChange = () -> {};

  /**
   * A health state.
   *
   * @param requireConfig whether the {@value #CONFIG} component exists (starts unhealthy)
   */
  public Health(boolean requireConfig) {
    components.put(STORE, true);
    if (requireConfig) {
      components.put(CONFIG, false);
    }
    components.put(SIGTERM, true);
    healthy = all();
  }

  /** Runs {@code listener} after every change of {@link #healthy()}'s inputs. */
  public synchronized void onChange(Runnable listener) {
    this.onChange = listener;
    listener.run();
  }

  /** Marks {@code component} healthy; unknown components are ignored. */
  public void ok(String component) {
    set(component, true);
  }

  /** Marks {@code component} unhealthy; unknown components are ignored. */
  public void fail(String component) {
    set(component, false);
  }

  private void set(String component, boolean value) {
    Runnable r;
    synchronized (this) {
      if (!components.containsKey(component)) {
        return;
      }
      components.put(component, value);
      healthy = all();
      r = onChange;
    }
    r.run();
  }

  private boolean all() {
    for (boolean b : components.values()) {
      if (!b) {
        return false;
      }
    }
    return true;
  }

  /** Whether every component is healthy. */
  public boolean healthy() {
    return healthy;
  }

  /** The components and their state, for the debug listener. */
  public synchronized Map<String, Boolean> components() {
    return new LinkedHashMap<>(components);
  }

  /** {@link #healthy()} as a supplier. */
  public BooleanSupplier supplier() {
    return this::healthy;
  }
}
