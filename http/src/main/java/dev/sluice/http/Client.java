package dev.sluice.http;

import java.util.Objects;

/**
 * Who a request counts against: an authenticated client by its id, or an anonymous one by its
 * address ({@link ClientAddresses}: an IPv4 address, or an IPv6 prefix such as
 * {@code 2001:db8:1:2::/64}). The two kinds have their own policies, and their keys never meet:
 * {@link #key()} prefixes each with its kind.
 *
 * @param kind authenticated or anonymous
 * @param id the client id, or the address key of an anonymous client; not empty
 */
public record Client(Kind kind, String id) {

  /** How the client is known. */
  public enum Kind {
    /** By an id from an identity source (a principal, a header, an API key). */
    AUTHENTICATED,
    /** By its address. */
    ANONYMOUS
  }

  /**
   * Checks the components.
   *
   * @param kind authenticated or anonymous
   * @param id the client id or address key; not empty
   * @throws NullPointerException if one is null
   * @throws IllegalArgumentException if {@code id} is empty
   */
  public Client {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(id, "id");
    if (id.isEmpty()) {
      throw new IllegalArgumentException("id must not be empty");
    }
  }

  /**
   * An authenticated client.
   *
   * @param id its id; not empty
   * @return the client
   */
  public static Client authenticated(String id) {
    return new Client(Kind.AUTHENTICATED, id);
  }

  /**
   * An anonymous client.
   *
   * @param address its address key ({@code ClientAddresses}); not empty
   * @return the client
   */
  public static Client anonymous(String address) {
    return new Client(Kind.ANONYMOUS, address);
  }

  /**
   * The store key: {@code id:<id>} or {@code ip:<address>}, so an id never counts as an address.
   *
   * @return the key
   */
  public String key() {
    return (kind == Kind.AUTHENTICATED ? "id:" : "ip:") + id;
  }
}
