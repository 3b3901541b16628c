package dev.sluice.http;

/**
 * Reads one hop of a forwarding chain: one comma-separated element of an X-Forwarded-For or
 * Forwarded value. Every method returns the hop's address (4 bytes for IPv4, also when written
 * IPv4-mapped, 16 for IPv6) or null when the element is not one this class reads, which ends the
 * walk: nothing left of it is believed.
 */
final class Hops {
  private Hops() {}

  /** Longest zone id read (and dropped) after an IPv6 address. */
  private static final int MAX_ZONE = 32;

  /**
   * An X-Forwarded-For element: an IPv4 address with an optional port ({@code 192.0.2.1},
   * {@code 192.0.2.1:8080}), an IPv6 address with an optional zone id ({@code 2001:db8::1},
   * {@code fe80::1%eth0}), or a bracketed IPv6 address with an optional port
   * ({@code [2001:db8::1]:8080}). Whitespace around it is ignored.
   */
  static byte[] xForwardedFor(String s, int from, int to) {
    return node(s, skipSpace(s, from, to), trimSpace(s, from, to), false);
  }

  /**
   * A Forwarded element ({@code for=192.0.2.60;proto=http;by=203.0.113.43}): the address of its
   * one {@code for} parameter (the name in any case), an RFC 7239 node that is quoted or not:
   * an IPv4 address or a bracketed IPv6 address, either with an optional port or obfuscated port
   * ({@code "[2001:db8::1]:4711"}, {@code 192.0.2.1:_p1}). An element without a {@code for}, with
   * two, or with one that is {@code unknown}, obfuscated ({@code _hidden}) or anything else is
   * refused. Quoted strings hold no escapes, and a ';' or ',' inside one is not special-cased: an
   * honest {@code for} value holds neither, and the pieces such a value falls into are refused.
   */
  static byte[] forwarded(String s, int from, int to) {
    byte[] found = null;
    int i = from;
    while (i <= to) {
      int semi = i;
      while (semi < to && s.charAt(semi) != ';') {
        semi++;
      }
      int ps = skipSpace(s, i, semi);
      int pe = trimSpace(s, ps, semi);
      if (ps < pe) {
        int eq = ps;
        while (eq < pe && s.charAt(eq) != '=') {
          eq++;
        }
        if (eq == pe) {
          return null;
        }
        if (trimSpace(s, ps, eq) - ps == 3 && s.regionMatches(true, ps, "for", 0, 3)) {
          if (found != null) {
            return null;
          }
          int vs = skipSpace(s, eq + 1, pe);
          int ve = pe;
          if (vs < ve && s.charAt(vs) == '"') {
            if (ve - vs < 2 || s.charAt(ve - 1) != '"') {
              return null;
            }
            vs++;
            ve--;
            for (int k = vs; k < ve; k++) {
              if (s.charAt(k) == '"' || s.charAt(k) == '\\') {
                return null;
              }
            }
          }
          found = node(s, vs, ve, true);
          if (found == null) {
            return null;
          }
        }
      }
      i = semi + 1;
    }
    return found;
  }

  /** An address with an optional port; bare IPv6 only in X-Forwarded-For, obfuscated ports only in Forwarded. */
  private static byte[] node(String s, int from, int to, boolean forwarded) {
    if (from >= to) {
      return null;
    }
    if (s.charAt(from) == '[') {
      int close = from + 1;
      while (close < to && s.charAt(close) != ']') {
        close++;
      }
      if (close == to || (close + 1 < to && !port(s, close + 1, to, forwarded))) {
        return null;
      }
      return ipv6(s, from + 1, close);
    }
    int colons = 0;
    int colon = -1;
    for (int i = from; i < to; i++) {
      if (s.charAt(i) == ':') {
        colons++;
        colon = i;
      }
    }
    if (colons == 0) {
      return IpLiterals.parse(s, from, to);
    }
    if (colons == 1) {
      return port(s, colon, to, forwarded) ? IpLiterals.parse(s, from, colon) : null;
    }
    return forwarded ? null : ipv6(s, from, to);
  }

  /** An IPv6 address (IPv4-mapped ones returned as IPv4) with an optional zone id, dropped. */
  private static byte[] ipv6(String s, int from, int to) {
    int end = from;
    while (end < to && s.charAt(end) != '%') {
      end++;
    }
    if (end < to) {
      int zone = to - end - 1;
      if (zone < 1 || zone > MAX_ZONE) {
        return null;
      }
      for (int i = end + 1; i < to; i++) {
        if (!tokenChar(s.charAt(i))) {
          return null;
        }
      }
    }
    return IpLiterals.hasColon(s, from, end) ? IpLiterals.parse(s, from, end) : null;
  }

  /**
   * Whether {@code s[colon, to)} is ':' and a port: 1 to 5 digits up to 65535, or in Forwarded
   * an obfuscated port, '_' and letters, digits, '.', '_' or '-'.
   */
  private static boolean port(String s, int colon, int to, boolean forwarded) {
    if (s.charAt(colon) != ':' || to - colon < 2) {
      return false;
    }
    if (forwarded && s.charAt(colon + 1) == '_') {
      for (int i = colon + 2; i < to; i++) {
        if (!tokenChar(s.charAt(i))) {
          return false;
        }
      }
      return to - colon > 2;
    }
    if (to - colon > 6) {
      return false;
    }
    int v = 0;
    for (int i = colon + 1; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
      v = v * 10 + (c - '0');
    }
    return v <= 65535;
  }

  private static boolean tokenChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '.' || c == '_' || c == '-';
  }

  /** The first index in [from, to) that is not a space or tab, or {@code to}. */
  static int skipSpace(String s, int from, int to) {
    while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
      from++;
    }
    return from;
  }

  /** {@code to} moved left past spaces and tabs, not beyond {@code from}. */
  static int trimSpace(String s, int from, int to) {
    while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
      to--;
    }
    return to;
  }
}
