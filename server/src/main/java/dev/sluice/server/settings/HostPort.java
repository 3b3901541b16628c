package dev.sluice.server.settings;

/**
 * A {@code host:port} as Go's {@code net.SplitHostPort} reads it ({@code [::1]:6379} for IPv6;
 * the host may be empty), with a numeric port from 0 to 65535.
 */
record HostPort(String host, int port) {

  /** Reads {@code s}, or throws {@link IllegalArgumentException} saying what is wrong. */
  static HostPort parse(String s) {
    int colon = s.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("missing port");
    }
    String host;
    if (s.startsWith("[")) {
      int end = s.indexOf(']');
      if (end < 0) {
        throw new IllegalArgumentException("missing ']'");
      }
      if (end + 1 != colon) {
        throw new IllegalArgumentException(end + 1 == s.length() ? "missing port" : "too many colons");
      }
      host = s.substring(1, end);
    } else {
      host = s.substring(0, colon);
      if (host.indexOf(':') >= 0) {
        throw new IllegalArgumentException("too many colons (write an IPv6 address in brackets)");
      }
    }
    if (host.indexOf('[') >= 0 || host.indexOf(']') >= 0 || host.chars().anyMatch(c -> c <= ' ' || c == '/')) {
      throw new IllegalArgumentException("bad host");
    }
    String port = s.substring(colon + 1);
    if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535) {
      throw new IllegalArgumentException("the port is not a number from 0 to 65535");
    }
    return new HostPort(host, Integer.parseInt(port));
  }
}
