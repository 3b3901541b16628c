package dev.sluice.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What {@link Identities} reads from a request, with no framework type: the authenticated
 * principal's name and the request's header lines. Each adapter implements it over its own request
 * (a Servlet adapter with {@code getUserPrincipal()} and {@code getHeaders(name)}); {@link #of} is
 * one over plain values, for tests and programmatic use.
 */
public interface IdentityView {

  /**
   * The name of the principal the server has authenticated, if any.
   *
   * @return the name, or null when the request is not authenticated
   */
  String principalName();

  /**
   * The values of every field line named {@code name}, matched case-insensitively (HTTP field
   * names are), in the order received; a server that has already joined several lines into one
   * comma-separated value returns that one value.
   *
   * @param name the header name, such as {@code X-Client-Id}
   * @return the values, empty when the request has no such header (null is read as empty)
   */
  List<String> headers(String name);

  /**
   * A view over plain values: header names are matched case-insensitively, and names that differ
   * only in case are the same header (their values are kept, in the map's order).
   *
   * @param principalName the principal's name, or null when not authenticated
   * @param headers header name to its values; not null, nor any name, value list or value in it
   * @return the view; it keeps copies, so later changes to {@code headers} are not seen
   * @throws NullPointerException if {@code headers}, a name, a value list or a value is null
   */
  static IdentityView of(String principalName, Map<String, List<String>> headers) {
    Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (Map.Entry<String, List<String>> e : headers.entrySet()) {
      Objects.requireNonNull(e.getKey(), "header name");
      Objects.requireNonNull(e.getValue(), "values of header " + e.getKey());
      copy.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).addAll(List.copyOf(e.getValue()));
    }
    copy.replaceAll((k, v) -> List.copyOf(v));
    return new IdentityView() {
      @Override
      public String principalName() {
        return principalName;
      }

      @Override
      public List<String> headers(String name) {
        return copy.getOrDefault(name, List.of());
      }
    };
  }
}
