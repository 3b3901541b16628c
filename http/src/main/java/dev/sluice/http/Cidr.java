package dev.sluice.http;

import dev.sluice.Keys;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * A range of IP addresses in CIDR notation: {@code 10.0.0.0/8}, {@code 2001:db8::/32}, or a
 * single address ({@code 192.0.2.7} is {@code 192.0.2.7/32}, {@code ::1} is {@code ::1/128}).
 * Immutable; equal when the ranges are.
 *
 * <p>IPv4 and IPv4-mapped IPv6 ({@code ::ffff:a.b.c.d}) are one address family here: an IPv4
 * range contains the mapped form of its addresses, a range written in the mapped form
 * ({@code ::ffff:10.0.0.0/104}) is the IPv4 range ({@code 10.0.0.0/8}), and an IPv6 range such
 * as {@code ::/0} contains an IPv4 address when it contains its mapped form.
 */
public final class Cidr {

  private final byte[] network;
  private final int prefix;

  private Cidr(byte[] network, int prefix) {
    this.network = network;
    this.prefix = prefix;
  }

  /**
   * Reads {@code address} or {@code address/prefix}. The address is an IP literal, read without
   * any name lookup: dotted IPv4 (four decimal parts 0 to 255 without leading zeros) or RFC 4291
   * IPv6 (no zone id, no brackets). The prefix is a decimal length, 0 to 32 for IPv4 and 0 to 128
   * for IPv6; without one the range is the single address. The address must be the first of its
   * range: bits after the prefix must be zero, so {@code 10.0.0.1/8} is refused rather than
   * silently read as {@code 10.0.0.0/8} (it is more often a typo than a range).
   *
   * @param text the range, for example {@code 10.0.0.0/8}
   * @return the range
   * @throws IllegalArgumentException if {@code text} is null, its address is not an IP literal,
   *     its prefix is not a decimal number or out of range, or it has host bits set; the message
   *     names the value and what is wrong
   */
  public static Cidr parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("cidr must not be null");
    }
    int slash = text.indexOf('/');
    int end = slash < 0 ? text.length() : slash;
    if (text.lastIndexOf('%', end) >= 0) {
      throw new IllegalArgumentException("cidr '" + Keys.printable(text) + "' has a zone id; a range has none");
    }
    byte[] address = IpLiterals.parse(text, 0, end);
    if (address == null) {
      throw new IllegalArgumentException("cidr '" + Keys.printable(text) + "': '"
          + Keys.printable(text.substring(0, end)) + "' is not an IPv4 or IPv6 address literal");
    }
    boolean mapped = address.length == 4 && IpLiterals.hasColon(text, 0, end);
    int max = mapped ? 128 : address.length * 8;
    int length = slash < 0 ? max : prefixLength(text, slash + 1, max);
    if (mapped) {
      if (length < 96) {
        address = IpLiterals.mapped(address);
      } else {
        length -= 96;
      }
    }
    byte[] network = IpLiterals.mask(address, length);
    if (!Arrays.equals(network, address)) {
      throw new IllegalArgumentException("cidr '" + Keys.printable(text)
          + "' has bits set after the prefix; the range is " + IpLiterals.format(network) + "/" + length);
    }
    return new Cidr(network, length);
  }

  private static int prefixLength(String text, int from, int max) {
    int n = text.length() - from;
    boolean digits = n > 0 && n <= 3;
    for (int i = from; digits && i < text.length(); i++) {
      digits = text.charAt(i) >= '0' && text.charAt(i) <= '9';
    }
    if (!digits || (n > 1 && text.charAt(from) == '0')) {
      throw new IllegalArgumentException("cidr '" + Keys.printable(text) + "': prefix length '"
          + Keys.printable(text.substring(from)) + "' is not a decimal number from 0 to " + max);
    }
    int length = Integer.parseInt(text, from, text.length(), 10);
    if (length > max) {
      throw new IllegalArgumentException("cidr '" + Keys.printable(text) + "': prefix length " + length
          + " is out of range 0.." + max);
    }
    return length;
  }

  /**
   * Whether {@code address} is in this range. Only its bytes count: a host name it may carry is
   * ignored and never looked up, and so is an IPv6 zone id.
   *
   * @param address the address
   * @return true if the range contains it
   * @throws IllegalArgumentException if {@code address} is null
   */
  public boolean contains(InetAddress address) {
    if (address == null) {
      throw new IllegalArgumentException("address must not be null");
    }
    return containsBytes(IpLiterals.unmap(address.getAddress()));
  }

  /** {@link #contains(InetAddress)} of 4 IPv4 or 16 IPv6 bytes, a mapped address as IPv4. */
  boolean containsBytes(byte[] address) {
    byte[] a = address.length == 4 && network.length == 16 ? IpLiterals.mapped(address) : address;
    if (a.length != network.length) {
      return false;
    }
    int whole = prefix >> 3;
    for (int i = 0; i < whole; i++) {
      if (a[i] != network[i]) {
        return false;
      }
    }
    int rest = prefix & 7;
    return rest == 0 || ((a[whole] ^ network[whole]) & (0xff00 >> rest) & 0xff) == 0;
  }

  /**
   * The prefix length: 0 to 32 for an IPv4 range, 0 to 128 for IPv6.
   *
   * @return the number of leading bits every address in the range shares
   */
  public int prefixLength() {
    return prefix;
  }

  /**
   * Whether the range is IPv4 (a range written in the IPv4-mapped form is).
   *
   * @return true for IPv4, false for IPv6
   */
  public boolean isIpv4() {
    return network.length == 4;
  }

  /**
   * The canonical text, which {@link #parse} reads back to an equal range: the first address
   * (IPv4 dotted, IPv6 in the RFC 5952 form) and the prefix length, such as {@code 10.0.0.0/8},
   * {@code 2001:db8::/32} or {@code 192.0.2.7/32}.
   *
   * @return the range as text
   */
  @Override
  public String toString() {
    return IpLiterals.format(network) + "/" + prefix;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(network) + prefix;
  }
}
