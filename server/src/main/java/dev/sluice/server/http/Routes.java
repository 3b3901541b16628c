package dev.sluice.server.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * An immutable route table: exact paths, each with one handler per method. A {@code GET} route
 * also answers {@code HEAD} (without the body). Unknown paths get 404, a known path with another
 * method 405 with {@code Allow}.
 *
 * <p>A route runs either on the connection's event loop (for handlers that never block: health,
 * debug text), or, when added with {@link Builder#postBlocking}, on the listener's bounded
 * blocking pool (for handlers that wait on a store), or, added with {@link Builder#postAsync},
 * starts on the event loop and hands only what may block to that pool.
 */
public final class Routes {

  /** How a route's handler runs. */
  enum Dispatch {
    /** On the connection's event loop: the handler must not block. */
    EVENT_LOOP,
    /** On the listener's bounded blocking pool. */
    BLOCKING,
    /** Started on the event loop ({@link AsyncHandler}), which it may hand to the blocking pool. */
    ASYNC
  }

  /** One route: {@code handler} for EVENT_LOOP and BLOCKING, {@code async} for ASYNC. */
  record Route(String method, String path, String help, Dispatch dispatch, Handler handler, AsyncHandler async) {

    Route(String method, String path, String help, Dispatch dispatch, Handler handler) {
      this(method, path, help, dispatch, handler, null);
    }
  }

  private final Map<String, Map<String, Route>> byPath;

  private Routes(Map<String, Map<String, Route>> byPath) {
    this.byPath = byPath;
  }

  /** The empty table: every path is 404. */
  public static Routes none() {
    return new Routes(Map.of());
  }

  /** A builder of an empty table. */
  public static Builder builder() {
    return new Builder();
  }

  /** The routes of {@code path} by method ({@code GET}, {@code POST}), or an empty map. */
  Map<String, Route> at(String path) {
    return byPath.getOrDefault(path, Map.of());
  }

  /** Whether any route runs on the blocking pool. */
  boolean blocks() {
    return byPath.values().stream().flatMap(m -> m.values().stream())
        .anyMatch(r -> r.dispatch() != Dispatch.EVENT_LOOP);
  }

  /** Every route, by path then method. */
  List<Route> all() {
    List<Route> all = new ArrayList<>();
    new TreeMap<>(byPath).values().forEach(m -> all.addAll(m.values()));
    return all;
  }

  /** The paths, sorted. */
  public List<String> paths() {
    return List.copyOf(new TreeMap<>(byPath).keySet());
  }

  /** The {@code Allow} header value for {@code path}, e.g. {@code GET, HEAD}. */
  static String allow(Map<String, Route> methods) {
    StringJoiner allow = new StringJoiner(", ");
    for (String m : methods.keySet()) {
      allow.add(m);
      if (m.equals("GET")) {
        allow.add("HEAD");
      }
    }
    return allow.toString();
  }

  @Override
  public String toString() {
    StringJoiner s = new StringJoiner(", ", "Routes[", "]");
    all().forEach(r -> s.add(r.method() + " " + r.path()));
    return s.toString();
  }

  /** Builds a {@link Routes}. Not thread-safe. */
  public static final class Builder {

    private final Map<String, Map<String, Route>> byPath = new LinkedHashMap<>();
    private String indexPath;

    private Builder() {}

    /**
     * A {@code GET} (and {@code HEAD}) route whose handler runs on the event loop.
     *
     * @param help one line for the index, e.g. "print out stats"
     */
    public Builder get(String path, String help, Handler handler) {
      return add(new Route("GET", path, help, Dispatch.EVENT_LOOP, handler));
    }

    /** A {@code POST} route whose handler runs on the event loop. */
    public Builder post(String path, String help, Handler handler) {
      return add(new Route("POST", path, help, Dispatch.EVENT_LOOP, handler));
    }

    /**
     * A {@code POST} route whose handler may block: it runs on the listener's bounded pool
     * ({@link Options#blockingThreads()}, {@link Options#blockingQueue()}); when that pool is
     * full the request gets 503.
     */
    public Builder postBlocking(String path, String help, Handler handler) {
      return add(new Route("POST", path, help, Dispatch.BLOCKING, handler));
    }

    /**
     * A {@code POST} route whose handler starts on the event loop and answers at once when it
     * can, handing what may block to the listener's bounded pool (503 when that pool is full).
     */
    public Builder postAsync(String path, String help, AsyncHandler handler) {
      Objects.requireNonNull(handler, "handler");
      return add(new Route("POST", path, help, Dispatch.ASYNC, null, handler));
    }

    /** Every route of {@code routes}. */
    public Builder include(Routes routes) {
      routes.all().forEach(this::add);
      return this;
    }

    /**
     * A {@code GET} route at {@code path} that lists every other route as {@code path: help}
     * lines, sorted by path, as envoyproxy/ratelimit's debug root does.
     */
    public Builder index(String path) {
      checkPath(path);
      if (indexPath != null) {
        throw new IllegalArgumentException("index is already at " + indexPath);
      }
      if (byPath.containsKey(path)) {
        throw new IllegalArgumentException("index path " + path + " already has a route");
      }
      indexPath = path;
      return this;
    }

    /** The table. */
    public Routes build() {
      Map<String, Map<String, Route>> table = new LinkedHashMap<>();
      byPath.forEach((p, m) -> table.put(p, new LinkedHashMap<>(m)));
      if (indexPath != null) {
        String text = indexText(byPath);
        Route index = new Route("GET", indexPath, "this list", Dispatch.EVENT_LOOP,
            request -> Response.text(200, text));
        table.put(indexPath, new LinkedHashMap<>(Map.of("GET", index)));
      }
      table.replaceAll((p, m) -> Collections.unmodifiableMap(m));
      return new Routes(Collections.unmodifiableMap(table));
    }

    private static String indexText(Map<String, Map<String, Route>> byPath) {
      StringBuilder text = new StringBuilder();
      new TreeMap<>(byPath).forEach((path, methods) -> {
        String help = methods.values().iterator().next().help();
        text.append(path).append(": ").append(help).append('\n');
      });
      return text.toString();
    }

    private Builder add(Route route) {
      checkPath(route.path());
      Objects.requireNonNull(route.help(), "help");
      if (route.handler() == null && route.async() == null) {
        throw new NullPointerException("handler");
      }
      if (route.path().equals(indexPath)) {
        throw new IllegalArgumentException("path " + route.path() + " is the index");
      }
      Map<String, Route> methods = byPath.computeIfAbsent(route.path(), p -> new LinkedHashMap<>());
      if (methods.containsKey(route.method())) {
        throw new IllegalArgumentException(
            "route " + route.method() + " " + route.path() + " is already defined");
      }
      methods.put(route.method(), route);
      return this;
    }

    private static void checkPath(String path) {
      Objects.requireNonNull(path, "path");
      if (!path.startsWith("/")) {
        throw new IllegalArgumentException("path \"" + path + "\" must start with /");
      }
      for (int i = 0; i < path.length(); i++) {
        char c = path.charAt(i);
        if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#') {
          throw new IllegalArgumentException("path \"" + path + "\" has a character that is not"
              + " allowed in a route (space, control, non-ASCII, ? or #) at index " + i);
        }
      }
    }
  }
}
