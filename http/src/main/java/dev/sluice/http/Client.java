package dev.sluice.http;

import java.util.Objects;

/**
 * Who a request counts against: an authenticated client by its id, or an anonymous one by its
 * address ({@link ClientAddresses}: an IPv4 address, or an IPv6 prefix such as
 * {@code 2001:db8:1:2::/64}). The two kinds have their own policies, and their keys never meet:
 * {@link #key()} prefixes each with its kind.
 *
 * <p>A value: equal when kind and id are. The key is made once, with the client, since every
 * policy and lease of the request is charged on it.
 */
public final class Client {

  /** How the client is known. */
  public enum Kind {
    /** By an id from an identity source (a principal, a header, an API key). */
    AUTHENTICATED,
    /** By its address. */
    ANONYMOUS
  }

  private final Kind kind;
  private final String id;
  private final String key;

  /**
   * A client.
   *
   * @param kind authenticated or anonymous
   * @param id the client id or address key; not empty
   * @throws NullPointerException if one is null
   * @throws IllegalArgumentException if {@code id} is empty
   */
  public Client(Kind kind, String id) {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(id, "id");
    if (id.isEmpty()) {
      throw new IllegalArgumentException("id must not be empty");
    }
    this.kind = kind;
    this.id = id;
    this.key = (kind == Kind.AUTHENTICATED ? "id:" : "ip:") + id;
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
   * How the client is known.
   *
   * @return authenticated or anonymous
   */
  public Kind kind() {
    return kind;
  }

  /**
   * The client id, or the address key of an anonymous client.
   *
   * @return the id; not empty
   */
  public String id() {
    return id;
  }

  /**
   * The store key: {@code id:<id>} or {@code ip:<address>}, so an id never counts as an address.
   *
   * @return the key
   */
  public String key() {
    return key;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Client c && c.kind == kind && c.id.equals(id);
  }

  @Override
  public int hashCode() {
    return 31 * kind.hashCode() + id.hashCode();
  }

  @Override
  public String toString() {
    return "Client[kind=" + kind + ", id=" + id + "]";
  }
}
