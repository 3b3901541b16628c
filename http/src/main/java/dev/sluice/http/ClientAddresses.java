package dev.sluice.http;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The address an anonymous client counts under: the socket peer, or, when the peer is a trusted
 * proxy, the right-most untrusted hop of the forwarding header. Headers are hostile input: they
 * are read only from a trusted peer, only as far as the trusted proxies vouch for them, never
 * looked up in DNS, and within {@value #MAX_HOPS} hops and {@value #MAX_HEADER_CHARS} characters;
 * no header makes {@link #addressKey} throw. Immutable and thread-safe; built by {@link #builder()}.
 *
 * <p>The chain is every value of the header, in order, joined by commas, and read from the right:
 * <ul>
 *   <li>A peer that is not a trusted proxy is the client; headers are ignored, so a client cannot
 *       choose its address by sending one.</li>
 *   <li>From a trusted peer, hops that are trusted proxies are skipped and the first untrusted
 *       hop is the client. If every hop is trusted, the left-most is (the peer with no header).</li>
 *   <li>A hop that is not an IP literal ({@code unknown}, {@code _hidden}, a host name, garbage)
 *       ends the walk: the client is the last good hop to its right, or the peer. Nothing left of
 *       it is believed.</li>
 *   <li>Past {@value #MAX_HOPS} hops or {@value #MAX_HEADER_CHARS} characters (counted from the
 *       right, commas included), the walk ends the same way: the client is the left-most hop read,
 *       and a hop cut by the limit is not read.</li>
 *   <li>Empty elements ({@code a, , b}) and whitespace around hops are skipped.</li>
 * </ul>
 *
 * <p>An X-Forwarded-For hop is an IPv4 address with an optional port ({@code 192.0.2.1:8080}), an
 * IPv6 address with an optional zone id, or a bracketed IPv6 address with an optional port
 * ({@code [2001:db8::1]:8080}). A Forwarded (RFC 7239) hop is an element's one {@code for}
 * parameter, quoted or not, named in any case: an IPv4 address or a bracketed IPv6 address, each
 * with an optional port or obfuscated port. An element without {@code for} is malformed.
 *
 * <p>The key: an IPv4 address (also one written IPv4-mapped, {@code ::ffff:192.0.2.1}) is
 * itself, {@code 192.0.2.1}; an IPv6 address is its network under the IPv6 prefix, in the RFC 5952
 * form with the length, {@code 2001:db8:1:2::/64}, since one subscriber commonly holds a whole
 * /64; with the prefix 128 it is the plain address, {@code 2001:db8::1}. Zone ids are dropped.
 */
public final class ClientAddresses {

  /** Most hops (non-empty chain elements) read from the right of the chain. */
  public static final int MAX_HOPS = 32;

  /** Most characters of the header values read from the right, 8 KiB. */
  public static final int MAX_HEADER_CHARS = 8192;

  /** The IPv6 prefix length an IPv6 client is grouped by unless told otherwise. */
  public static final int DEFAULT_IPV6_PREFIX = 64;

  /** Which forwarding header a trusted proxy's chain is read from. */
  public enum Header {
    /** {@code X-Forwarded-For}: comma-separated addresses. The default. */
    X_FORWARDED_FOR,
    /** {@code Forwarded} (RFC 7239): comma-separated elements, the address in {@code for=}. */
    FORWARDED,
    /**
     * {@code Forwarded} when the request has a value of it, else {@code X-Forwarded-For}: for
     * proxies moving from one to the other. Only as safe as the proxies: a client's own
     * Forwarded passes untouched through a proxy that writes only X-Forwarded-For, and is then
     * read instead of it, so every trusted proxy must write Forwarded or strip it.
     */
    BOTH
  }

  private final List<Cidr> trustedProxies;
  private final int ipv6Prefix;
  private final Header header;

  private ClientAddresses(List<Cidr> trustedProxies, int ipv6Prefix, Header header) {
    this.trustedProxies = trustedProxies;
    this.ipv6Prefix = ipv6Prefix;
    this.header = header;
  }

  /**
   * A builder with the defaults: no trusted proxies (the peer is always the client), IPv6
   * prefix {@value #DEFAULT_IPV6_PREFIX}, {@link Header#X_FORWARDED_FOR}.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The address key of the client of a request.
   *
   * @param peer the socket peer (the remote address of the connection)
   * @param xForwardedFor every {@code X-Forwarded-For} value of the request, in order; may be
   *     empty; null values are skipped
   * @param forwarded every {@code Forwarded} value of the request, in order; may be empty; null
   *     values are skipped
   * @return the client's address key, such as {@code 192.0.2.1} or {@code 2001:db8:1:2::/64}
   * @throws IllegalArgumentException if {@code peer} or a list is null
   */
  public String addressKey(InetAddress peer, List<String> xForwardedFor, List<String> forwarded) {
    if (peer == null) {
      throw new IllegalArgumentException("peer must not be null");
    }
    if (xForwardedFor == null) {
      throw new IllegalArgumentException("xForwardedFor must not be null");
    }
    if (forwarded == null) {
      throw new IllegalArgumentException("forwarded must not be null");
    }
    return addressKey(peer, name -> name.equals("Forwarded") ? forwarded : xForwardedFor);
  }


  /**
   * The address of an IP literal as a container gives the socket peer
   * ({@code getRemoteAddr()}): dotted IPv4, or IPv6 with or without brackets and a zone
   * ({@code %eth0}, dropped). Parsed, never looked up: anything else (a host name, a malformed
   * literal, null) is the unspecified address {@code 0.0.0.0}, which no trusted-proxy list should
   * hold. An IPv4-mapped IPv6 literal is its IPv4 address.
   *
   * @param literal the text; may be null
   * @return the address
   */
  public static InetAddress literal(String literal) {
    byte[] address = null;
    if (literal != null) {
      int from = Hops.skipSpace(literal, 0, literal.length());
      int to = Hops.trimSpace(literal, from, literal.length());
      if (to - from > 2 && literal.charAt(from) == '[' && literal.charAt(to - 1) == ']') {
        from++;
        to--;
      }
      int zone = literal.indexOf('%', from);
      if (zone >= 0 && zone < to) {
        to = zone;
      }
      address = IpLiterals.parse(literal, from, to);
    }
    try {
      return InetAddress.getByAddress(address == null ? new byte[4] : address);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError("4 or 16 bytes are an address", e);
    }
  }

  /**
   * The anonymous client of {@code request}: as {@link #client(InetAddress, List, List)}, reading
   * only the forwarding header it will use, and only when the peer is a trusted proxy.
   *
   * @param request the request
   * @return the anonymous client
   * @throws IllegalArgumentException if the request's peer or header list is null
   */
  public Client client(QuotaRequest request) {
    return Client.anonymous(addressKey(request.peer(), request::headers));
  }

  /**
   * The address key of a client at {@code peer}, reading {@code headers} (name to every value)
   * only for the forwarding header it uses, and only when the peer is a trusted proxy.
   */
  private String addressKey(InetAddress peer, Function<String, List<String>> headers) {
    if (peer == null) {
      throw new IllegalArgumentException("peer must not be null");
    }
    byte[] client = IpLiterals.unmap(peer.getAddress());
    if (trusted(client)) {
      List<String> forwarded = header == Header.X_FORWARDED_FOR ? List.of() : values(headers, "Forwarded");
      boolean useForwarded = header == Header.FORWARDED || (header == Header.BOTH && !forwarded.isEmpty());
      client = walk(client, useForwarded ? forwarded : values(headers, "X-Forwarded-For"), useForwarded);
    }
    return key(client);
  }

  private static List<String> values(Function<String, List<String>> headers, String name) {
    List<String> values = headers.apply(name);
    if (values == null) {
      throw new IllegalArgumentException("the request's " + name + " values must not be null");
    }
    return values;
  }


  /**
   * The anonymous client of a request: {@link Client#anonymous} of its {@link #addressKey}.
   *
   * @param peer the socket peer
   * @param xForwardedFor every {@code X-Forwarded-For} value, in order; may be empty
   * @param forwarded every {@code Forwarded} value, in order; may be empty
   * @return the anonymous client
   * @throws IllegalArgumentException if {@code peer} or a list is null
   */
  public Client client(InetAddress peer, List<String> xForwardedFor, List<String> forwarded) {
    return Client.anonymous(addressKey(peer, xForwardedFor, forwarded));
  }

  /** The chain read from the right, from the peer's address; see the class comment. */
  private byte[] walk(byte[] peer, List<String> values, boolean forwarded) {
    byte[] last = peer;
    int budget = MAX_HEADER_CHARS;
    int hops = 0;
    for (int v = values.size() - 1; v >= 0; v--) {
      String value = values.get(v);
      if (value == null) {
        continue;
      }
      int end = value.length();
      while (true) {
        int start = end;
        while (start > 0 && value.charAt(start - 1) != ',') {
          if (end - start == budget) {
            return last; // a hop longer than what is left to read: cut, so not read
          }
          start--;
        }
        budget -= end - start;
        int from = Hops.skipSpace(value, start, end);
        int to = Hops.trimSpace(value, from, end);
        if (from < to) {
          if (++hops > MAX_HOPS) {
            return last;
          }
          byte[] hop = forwarded ? Hops.forwarded(value, from, to) : Hops.xForwardedFor(value, from, to);
          if (hop == null) {
            return last;
          }
          if (!trusted(hop)) {
            return hop;
          }
          last = hop;
        }
        if (start == 0) {
          break;
        }
        if (budget == 0) {
          return last;
        }
        budget--; // the comma
        end = start - 1;
      }
    }
    return last;
  }

  private boolean trusted(byte[] address) {
    for (Cidr proxy : trustedProxies) {
      if (proxy.containsBytes(address)) {
        return true;
      }
    }
    return false;
  }

  private String key(byte[] address) {
    if (address.length == 4 || ipv6Prefix == 128) {
      return IpLiterals.format(address);
    }
    return IpLiterals.format(IpLiterals.mask(address, ipv6Prefix)) + "/" + ipv6Prefix;
  }

  /**
   * The trusted proxies.
   *
   * @return them, unmodifiable, in the order given
   */
  public List<Cidr> trustedProxies() {
    return trustedProxies;
  }

  /**
   * The prefix length IPv6 clients are grouped by.
   *
   * @return 1 to 128
   */
  public int ipv6Prefix() {
    return ipv6Prefix;
  }

  /**
   * The forwarding header read from a trusted peer.
   *
   * @return the header
   */
  public Header header() {
    return header;
  }

  @Override
  public String toString() {
    return "ClientAddresses[trustedProxies=" + trustedProxies + ", ipv6Prefix=" + ipv6Prefix
        + ", header=" + header + "]";
  }

  /** Builds a {@link ClientAddresses}; not thread-safe. */
  public static final class Builder {
    private List<Cidr> trustedProxies = List.of();
    private int ipv6Prefix = DEFAULT_IPV6_PREFIX;
    private Header header = Header.X_FORWARDED_FOR;

    private Builder() {}

    /**
     * The proxies whose forwarding headers are believed, replacing any given before. Only list
     * proxies you run: a range here lets every address in it choose the client address.
     *
     * @param proxies the proxies' ranges; may be empty
     * @return this builder
     * @throws IllegalArgumentException if {@code proxies} or one of them is null
     */
    public Builder trustedProxies(List<Cidr> proxies) {
      if (proxies == null) {
        throw new IllegalArgumentException("trustedProxies must not be null");
      }
      List<Cidr> copy = new ArrayList<>(proxies.size());
      for (int i = 0; i < proxies.size(); i++) {
        if (proxies.get(i) == null) {
          throw new IllegalArgumentException("trustedProxies[" + i + "] must not be null");
        }
        copy.add(proxies.get(i));
      }
      this.trustedProxies = List.copyOf(copy);
      return this;
    }

    /**
     * {@link #trustedProxies(List)} of ranges read by {@link Cidr#parse}.
     *
     * @param proxies the proxies' ranges, such as {@code 10.0.0.0/8}
     * @return this builder
     * @throws IllegalArgumentException if {@code proxies} or one of them is null or not a range
     */
    public Builder trustedProxies(String... proxies) {
      if (proxies == null) {
        throw new IllegalArgumentException("trustedProxies must not be null");
      }
      List<Cidr> parsed = new ArrayList<>(proxies.length);
      for (int i = 0; i < proxies.length; i++) {
        if (proxies[i] == null) {
          throw new IllegalArgumentException("trustedProxies[" + i + "] must not be null");
        }
        parsed.add(Cidr.parse(proxies[i]));
      }
      return trustedProxies(parsed);
    }

    /**
     * The prefix length IPv6 clients are grouped by: every address in one such network is one
     * client. IPv4 clients are always single addresses.
     *
     * @param prefix 1 to 128; {@value #DEFAULT_IPV6_PREFIX} by default
     * @return this builder
     * @throws IllegalArgumentException if {@code prefix} is out of range
     */
    public Builder ipv6Prefix(int prefix) {
      if (prefix < 1 || prefix > 128) {
        throw new IllegalArgumentException("ipv6Prefix (" + prefix + ") must be within 1..128");
      }
      this.ipv6Prefix = prefix;
      return this;
    }

    /**
     * The forwarding header to read from a trusted peer.
     *
     * @param header the header; {@link Header#X_FORWARDED_FOR} by default
     * @return this builder
     * @throws IllegalArgumentException if {@code header} is null
     */
    public Builder header(Header header) {
      if (header == null) {
        throw new IllegalArgumentException("header must not be null");
      }
      this.header = header;
      return this;
    }

    /**
     * The configuration built so far.
     *
     * @return an immutable {@link ClientAddresses}
     */
    public ClientAddresses build() {
      return new ClientAddresses(trustedProxies, ipv6Prefix, header);
    }
  }
}
