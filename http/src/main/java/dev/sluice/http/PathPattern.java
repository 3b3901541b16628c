package dev.sluice.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A route pattern over a request path's segments: a literal segment matches itself exactly
 * (case-sensitive), {@code *} matches any one non-empty segment, and {@code **}, as a whole
 * segment, matches any number of segments, none included. {@code /api/**} matches {@code /api},
 * {@code /api/} and everything below; {@code /users/{@literal *}/orders} matches
 * {@code /users/42/orders}; {@code /**} matches every path.
 *
 * <p>Paths come from clients, so they are matched as a server would resolve them, not as sent:
 * dot segments are resolved ({@code /health/../api} is {@code /api}) and empty segments dropped
 * ({@code //api} is {@code /api}), so a crafted path cannot reach an exclusion that does not
 * cover the resource it names. A path the server may decode into another one — holding
 * {@code %2e}, {@code %2f} or {@code %5c} (any case), a backslash or a {@code ;} parameter — is
 * {@linkplain #matches matched} only by a pattern that starts with {@code /**}: rules written for
 * specific paths do not apply to it, so it falls to a catch-all rule, never to an exclusion
 * written for a specific path.
 */
public final class PathPattern {

  private static final String ANY_ONE = "*";
  private static final String ANY_DEPTH = "**";

  private final String text;
  private final String[] segments;

  private PathPattern(String text, String[] segments) {
    this.text = text;
    this.segments = segments;
  }

  /**
   * Parses a pattern.
   *
   * @param pattern starts with {@code /}; segments are literals, {@code *} or {@code **}
   * @return the pattern
   * @throws IllegalArgumentException naming the pattern if it does not start with {@code /}, has
   *     an empty, dot or partly wildcard segment ({@code a*}), or characters outside printable
   *     ASCII
   */
  public static PathPattern parse(String pattern) {
    Objects.requireNonNull(pattern, "pattern");
    if (!pattern.startsWith("/")) {
      throw new IllegalArgumentException("path pattern '" + pattern + "' must start with /");
    }
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#' || c == '\\' || c == ';' || c == '%') {
        throw new IllegalArgumentException("path pattern '" + pattern + "' has a character not allowed in a"
            + " pattern (space, control, non-ASCII, ?, #, \\, ; or %) at index " + i);
      }
    }
    List<String> out = new ArrayList<>();
    String body = pattern.length() > 1 && pattern.endsWith("/") ? pattern.substring(1, pattern.length() - 1)
        : pattern.substring(1);
    if (!body.isEmpty()) {
      for (String s : body.split("/", -1)) {
        if (s.isEmpty() || s.equals(".") || s.equals("..")) {
          throw new IllegalArgumentException("path pattern '" + pattern + "' has an empty or dot segment");
        }
        if (s.contains("*") && !s.equals(ANY_ONE) && !s.equals(ANY_DEPTH)) {
          throw new IllegalArgumentException("path pattern '" + pattern + "' has a segment '" + s
              + "' that mixes * with text: a wildcard is a whole segment, * or **");
        }
        out.add(s);
      }
    }
    return new PathPattern(pattern, out.toArray(String[]::new));
  }

  /**
   * Whether {@code path} (the request's path, without the query) matches, after the
   * normalisation described above.
   *
   * @param path the path as the client sent it
   * @return whether it matches
   */
  public boolean matches(String path) {
    return matches(resolve(path));
  }

  /** {@link #matches(String)} of a path already {@linkplain #resolve resolved}, null or not. */
  boolean matches(List<String> resolved) {
    if (resolved == null) {
      return segments.length > 0 && segments[0].equals(ANY_DEPTH);
    }
    return match(0, resolved, 0);
  }

  private boolean match(int p, List<String> path, int s) {
    while (p < segments.length) {
      String seg = segments[p];
      if (seg.equals(ANY_DEPTH)) {
        if (p == segments.length - 1) {
          return true;
        }
        for (int k = s; k <= path.size(); k++) {
          if (match(p + 1, path, k)) {
            return true;
          }
        }
        return false;
      }
      if (s >= path.size() || !(seg.equals(ANY_ONE) || seg.equals(path.get(s)))) {
        return false;
      }
      p++;
      s++;
    }
    return s == path.size();
  }

  /**
   * The path's segments with dot segments resolved and empty ones dropped; null for a path a
   * server may decode into another (see the class comment) or that does not start with {@code /}.
   */
  static List<String> resolve(String path) {
    if (path == null || !path.startsWith("/") || path.indexOf('\\') >= 0 || path.indexOf(';') >= 0) {
      return null;
    }
    int n = path.length();
    for (int i = path.indexOf('%'); i >= 0 && i + 2 < n; i = path.indexOf('%', i + 1)) {
      char a = path.charAt(i + 1);
      char b = (char) (path.charAt(i + 2) | 0x20); // ASCII lower case; other characters never match
      if (a == '2' && (b == 'e' || b == 'f') || a == '5' && b == 'c') {
        return null; // an encoded dot, slash or backslash
      }
    }
    List<String> out = new ArrayList<>(8);
    int i = 1;
    while (i <= n) {
      int j = path.indexOf('/', i);
      if (j < 0) {
        j = n;
      }
      int length = j - i;
      if (length == 2 && path.charAt(i) == '.' && path.charAt(i + 1) == '.') {
        if (!out.isEmpty()) {
          out.remove(out.size() - 1);
        }
      } else if (length > 0 && !(length == 1 && path.charAt(i) == '.')) {
        out.add(path.substring(i, j));
      }
      i = j + 1;
    }
    return out;
  }

  /** The pattern as written. */
  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PathPattern p && p.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }
}
