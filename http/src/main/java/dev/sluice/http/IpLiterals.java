package dev.sluice.http;

import java.util.Arrays;

/**
 * IP address literals read and written by hand, never through a resolver: text that is not a
 * literal is refused here and never reaches {@code InetAddress.getByName}, so no input causes a
 * DNS lookup. Addresses are byte arrays, 4 bytes for IPv4 and 16 for IPv6; an IPv4-mapped IPv6
 * address ({@code ::ffff:a.b.c.d}) is always returned as its 4 IPv4 bytes.
 */
final class IpLiterals {
  private IpLiterals() {}

  /** Longest IPv6 literal: eight groups of four digits, or six and a dotted IPv4 tail (45). */
  private static final int MAX_LITERAL = 45;

  /**
   * The address written in {@code s[from, to)}: a dotted IPv4 address (four decimal parts 0..255,
   * no leading zeros) or an RFC 4291 IPv6 address (with at most one {@code ::} and an optional
   * dotted IPv4 tail); no zone id, brackets, port or whitespace.
   *
   * @return 4 or 16 bytes, or null if the text is not such a literal
   */
  static byte[] parse(String s, int from, int to) {
    if (to - from < 2 || to - from > MAX_LITERAL) {
      return null;
    }
    for (int i = from; i < to; i++) {
      if (s.charAt(i) == ':') {
        byte[] v6 = parseV6(s, from, to);
        return v6 == null ? null : unmap(v6);
      }
    }
    return parseV4(s, from, to);
  }

  /** {@link #parse(String, int, int)} of all of {@code s}. */
  static byte[] parse(String s) {
    return parse(s, 0, s.length());
  }

  /** Whether {@code s[from, to)} holds a ':', that is, would be read as IPv6. */
  static boolean hasColon(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) == ':') {
        return true;
      }
    }
    return false;
  }

  /** The 4 IPv4 bytes of an IPv4-mapped IPv6 address, else {@code a} itself. */
  static byte[] unmap(byte[] a) {
    if (a.length != 16) {
      return a;
    }
    for (int i = 0; i < 10; i++) {
      if (a[i] != 0) {
        return a;
      }
    }
    return a[10] == (byte) 0xff && a[11] == (byte) 0xff ? Arrays.copyOfRange(a, 12, 16) : a;
  }

  /** {@code ::ffff:a.b.c.d} for the IPv4 address {@code a}. */
  static byte[] mapped(byte[] v4) {
    byte[] a = new byte[16];
    a[10] = (byte) 0xff;
    a[11] = (byte) 0xff;
    System.arraycopy(v4, 0, a, 12, 4);
    return a;
  }

  /** A copy of {@code a} with every bit after the first {@code prefix} cleared. */
  static byte[] mask(byte[] a, int prefix) {
    byte[] m = a.clone();
    for (int bit = prefix; bit < m.length * 8; bit++) {
      m[bit >> 3] &= (byte) ~(0x80 >>> (bit & 7));
    }
    return m;
  }

  /**
   * Writes {@code a}: IPv4 dotted, IPv6 in the RFC 5952 form (lowercase, no leading zeros, the
   * longest run of two or more zero groups, the first of equals, written {@code ::}).
   */
  static String format(byte[] a) {
    if (a.length == 4) {
      return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
    }
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = (a[2 * i] & 0xff) << 8 | (a[2 * i + 1] & 0xff);
    }
    int best = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; ) {
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        best = i;
        bestLength = j - i;
      }
      i = j == i ? i + 1 : j;
    }
    StringBuilder b = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == best) {
        b.append("::");
        i += bestLength - 1;
        continue;
      }
      if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
        b.append(':');
      }
      b.append(Integer.toHexString(g[i]));
    }
    return b.toString();
  }

  private static byte[] parseV4(String s, int from, int to) {
    byte[] out = new byte[4];
    int part = 0;
    int i = from;
    while (true) {
      int start = i;
      int v = 0;
      while (i < to && i - start < 3 && isDigit(s.charAt(i))) {
        v = v * 10 + (s.charAt(i) - '0');
        i++;
      }
      if (i == start || (i - start > 1 && s.charAt(start) == '0') || v > 255) {
        return null;
      }
      out[part++] = (byte) v;
      if (part == 4) {
        return i == to ? out : null;
      }
      if (i == to || s.charAt(i) != '.') {
        return null;
      }
      i++;
    }
  }

  private static byte[] parseV6(String s, int from, int to) {
    int[] g = new int[8];
    int n = 0;
    int gap = -1;
    int i = from;
    if (to - from >= 2 && s.charAt(i) == ':' && s.charAt(i + 1) == ':') {
      gap = 0;
      i += 2;
    }
    while (i < to) {
      int start = i;
      int v = 0;
      while (i < to && i - start < 4 && hex(s.charAt(i)) >= 0) {
        v = v * 16 + hex(s.charAt(i));
        i++;
      }
      if (i < to && s.charAt(i) == '.') { // a dotted IPv4 tail: the last 32 bits
        byte[] v4 = n > 6 ? null : parseV4(s, start, to);
        if (v4 == null) {
          return null;
        }
        g[n++] = (v4[0] & 0xff) << 8 | (v4[1] & 0xff);
        g[n++] = (v4[2] & 0xff) << 8 | (v4[3] & 0xff);
        break;
      }
      if (i == start || n == 8) {
        return null;
      }
      g[n++] = v;
      if (i == to) {
        break;
      }
      if (s.charAt(i) != ':') {
        return null;
      }
      i++;
      if (i < to && s.charAt(i) == ':') {
        if (gap >= 0) {
          return null;
        }
        gap = n;
        i++;
      } else if (i == to) {
        return null;
      }
    }
    if (gap < 0 ? n != 8 : n > 7) {
      return null;
    }
    byte[] out = new byte[16];
    int k = 0;
    for (int j = 0; j < n; j++) {
      if (j == gap) {
        k += 8 - n;
      }
      out[2 * k] = (byte) (g[j] >> 8);
      out[2 * k + 1] = (byte) g[j];
      k++;
    }
    return out;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
