package dev.sluice.http;

import dev.sluice.Keys;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Who the authenticated client of a request is: an ordered list of identity sources, of which the
 * first that yields an id wins; a request none yields an id for is anonymous (counted by its
 * address). Immutable and thread-safe.
 *
 * <p>The sources:
 *
 * <ul>
 *   <li>{@linkplain Builder#principal() principal}: the name of the principal the server has
 *       authenticated, as it is (not trimmed).
 *   <li>{@linkplain Builder#header(String) header}: a header holding the client id, such as
 *       {@code X-Client-Id}, set by a trusted proxy (the header is the client's word: use it only
 *       behind a proxy that sets it or strips it). The value is trimmed of spaces and tabs.
 *   <li>{@linkplain Builder#apiKey(String, String, ApiKeys) API key}: a header holding a key,
 *       either the whole value ({@code X-Api-Key: <key>}) or after an authentication scheme
 *       ({@code Authorization: Bearer <key>}, the scheme matched ignoring ASCII case), looked up in
 *       an {@link ApiKeys} table; the id is the client id the table gives the key.
 * </ul>
 *
 * <p>A source yields an id only from exactly one header line: a request with two lines of the
 * header yields nothing from that source ({@link Reason#MULTIPLE_VALUES}), never one of them
 * picked, and the next source is asked. (A value a proxy joined with commas is one value: as a
 * client id it is that whole text, and as a key it holds a space or matches no entry.) An id must
 * pass core's key rule once prefixed as in {@link Client#key()}: 1 to {@value #MAX_ID_LENGTH}
 * characters of well-formed UTF-16. Why each source yielded nothing is in {@link #explain}, for
 * logs and metrics; it never holds a header's value.
 *
 * <p>The same id from two sources is the same client: a principal {@code alice} and an API key of
 * client {@code alice} share alice's quota.
 */
public final class Identities {

  /** Longest client id, in characters: core's key limit less the {@code id:} of {@link Client#key()}. */
  public static final int MAX_ID_LENGTH = Keys.MAX_LENGTH - 3;

  private static final Identities NONE = new Identities(List.of());

  private final List<Source> sources;

  private Identities(List<Source> sources) {
    this.sources = List.copyOf(sources);
  }

  /**
   * No source: every request is anonymous.
   *
   * @return the empty list of sources
   */
  public static Identities none() {
    return NONE;
  }

  /**
   * Starts an empty list of sources.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The authenticated client of {@code request}.
   *
   * @param request the request
   * @return {@link Client#authenticated} with the first id a source yields, or empty (anonymous)
   * @throws NullPointerException if {@code request} is null
   */
  public Optional<Client> identify(IdentityView request) {
    Objects.requireNonNull(request, "request");
    for (Source s : sources) {
      Attempt a = s.attempt(request);
      if (a.id != null) {
        return Optional.of(Client.authenticated(a.id));
      }
    }
    return Optional.empty();
  }

  /**
   * {@link #identify} with why each source asked before the winner (or every source, when none
   * yields an id) yielded nothing.
   *
   * @param request the request
   * @return the client, if any, and the misses in source order
   * @throws NullPointerException if {@code request} is null
   */
  public Result explain(IdentityView request) {
    Objects.requireNonNull(request, "request");
    List<Miss> misses = new ArrayList<>(sources.size());
    for (Source s : sources) {
      Attempt a = s.attempt(request);
      if (a.id != null) {
        return new Result(Optional.of(Client.authenticated(a.id)), misses);
      }
      misses.add(new Miss(s.name(), a.reason));
    }
    return new Result(Optional.empty(), misses);
  }

  /**
   * Whether there is no source, so that every request is anonymous.
   *
   * @return true for {@link #none()} and an empty builder's list
   */
  public boolean isEmpty() {
    return sources.isEmpty();
  }

  /**
   * The sources' names, in order: {@code principal}, {@code header <name>}, {@code API key
   * <header>} or {@code API key <header>: <scheme>}.
   *
   * @return the names; immutable
   */
  public List<String> sources() {
    return sources.stream().map(Source::name).toList();
  }

  /**
   * The check for a configuration that enables per-client limits, to run at start: a per-client
   * limit with no source would count every request as anonymous.
   *
   * @return this
   * @throws IllegalStateException if there is no source
   */
  public Identities requireSource() {
    if (sources.isEmpty()) {
      throw new IllegalStateException("per-client limits are enabled but no identity source is configured: "
          + "add a principal, header or API key source");
    }
    return this;
  }

  /**
   * The sources, in order; no key nor hash.
   *
   * @return {@code Identities[<source>, ...]}
   */
  @Override
  public String toString() {
    return "Identities" + sources();
  }

  /** Why a source yielded no id. */
  public enum Reason {
    /** The request has no principal, or not the header. */
    ABSENT,
    /** The header has more than one line. */
    MULTIPLE_VALUES,
    /** The principal's name or the header's value (the id or the key) breaks the rules. */
    INVALID,
    /** The API key header is there but with another authentication scheme. */
    WRONG_SCHEME,
    /** The API key is well-formed but in no entry of the table. */
    UNKNOWN_KEY
  }

  /**
   * A source that yielded no id, and why.
   *
   * @param source the source's name, as in {@link #sources()}
   * @param reason why
   */
  public record Miss(String source, Reason reason) {
    /**
     * Checks the components.
     *
     * @param source the source's name
     * @param reason why
     * @throws NullPointerException if one is null
     */
    public Miss {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * What {@link #explain} found.
   *
   * @param client the authenticated client, or empty (anonymous)
   * @param misses the sources asked that yielded no id, in order
   */
  public record Result(Optional<Client> client, List<Miss> misses) {
    /**
     * Checks and copies the components.
     *
     * @param client the authenticated client, or empty
     * @param misses the sources that yielded no id; copied
     * @throws NullPointerException if one is null or holds null
     */
    public Result {
      Objects.requireNonNull(client, "client");
      misses = List.copyOf(misses);
    }
  }

  /** Collects sources in the order they are asked; {@link #build()} checks them together. */
  public static final class Builder {
    private final List<Source> sources = new ArrayList<>();

    private Builder() {}

    /**
     * Adds the principal's name as a source.
     *
     * @return this builder
     */
    public Builder principal() {
      sources.add(new Principal());
      return this;
    }

    /**
     * Adds a header holding the client id as a source.
     *
     * @param name the header name, such as {@code X-Client-Id}: an HTTP token; not
     *     {@code Authorization} nor {@code Proxy-Authorization}, which hold credentials
     * @return this builder
     * @throws IllegalArgumentException if {@code name} is not a token or names a credentials header
     */
    public Builder header(String name) {
      token("header name", name);
      String lower = name.toLowerCase(Locale.ROOT);
      if (lower.equals("authorization") || lower.equals("proxy-authorization")) {
        throw new IllegalArgumentException("header '" + name
            + "' holds credentials and cannot be read as a client id: use an API key source");
      }
      sources.add(new Header(name));
      return this;
    }

    /**
     * Adds a header whose whole value is an API key as a source ({@code X-Api-Key: <key>}).
     *
     * @param header the header name, such as {@code X-Api-Key}: an HTTP token
     * @param keys the table the key is looked up in; not empty
     * @return this builder
     * @throws IllegalArgumentException if {@code header} is not a token or {@code keys} is empty
     * @throws NullPointerException if {@code keys} is null
     */
    public Builder apiKey(String header, ApiKeys keys) {
      token("header name", header);
      sources.add(new ApiKey(header, null, nonEmpty(header, keys)));
      return this;
    }

    /**
     * Adds a header holding an API key after an authentication scheme as a source
     * ({@code Authorization: Bearer <key>}): the value must be the scheme (any ASCII case), one or
     * more spaces, and the key.
     *
     * @param header the header name, such as {@code Authorization}: an HTTP token
     * @param scheme the scheme, such as {@code Bearer} or {@code ApiKey}: an HTTP token
     * @param keys the table the key is looked up in; not empty
     * @return this builder
     * @throws IllegalArgumentException if {@code header} or {@code scheme} is not a token or
     *     {@code keys} is empty
     * @throws NullPointerException if {@code keys} is null
     */
    public Builder apiKey(String header, String scheme, ApiKeys keys) {
      token("header name", header);
      token("scheme", scheme);
      sources.add(new ApiKey(header, scheme, nonEmpty(header, keys)));
      return this;
    }

    /**
     * The list of the sources added so far.
     *
     * @return the sources, or {@link #none()} when there is none
     * @throws IllegalArgumentException if a source is added twice, or if a header is read both as
     *     a client id and as an API key (the key would become the id)
     */
    public Identities build() {
      Set<String> names = new HashSet<>();
      Set<String> idHeaders = new HashSet<>();
      Set<String> keyHeaders = new HashSet<>();
      for (Source s : sources) {
        if (!names.add(s.name().toLowerCase(Locale.ROOT))) {
          throw new IllegalArgumentException("identity source '" + s.name() + "' is added twice");
        }
        if (s instanceof Header h) {
          idHeaders.add(h.name.toLowerCase(Locale.ROOT));
        } else if (s instanceof ApiKey k) {
          keyHeaders.add(k.header.toLowerCase(Locale.ROOT));
        }
      }
      for (Source s : sources) {
        if (s instanceof Header h && keyHeaders.contains(h.name.toLowerCase(Locale.ROOT))) {
          throw new IllegalArgumentException("header '" + h.name
              + "' is read both as a client id and as an API key: the key would become the client id");
        }
      }
      return sources.isEmpty() ? NONE : new Identities(sources);
    }

    private static ApiKeys nonEmpty(String header, ApiKeys keys) {
      Objects.requireNonNull(keys, "keys");
      if (keys.size() == 0) {
        throw new IllegalArgumentException("API key source '" + header + "' has an empty key table");
      }
      return keys;
    }

    /** RFC 9110 token: 1 or more of letters, digits and {@code !#$%&'*+-.^_`|~}. */
    private static void token(String field, String value) {
      if (value == null) {
        throw new IllegalArgumentException(field + " must not be null");
      }
      boolean ok = !value.isEmpty();
      for (int i = 0; ok && i < value.length(); i++) {
        char c = value.charAt(i);
        ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
            || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      }
      if (!ok) {
        throw new IllegalArgumentException(field + " '" + Keys.printable(value)
            + "' must be an HTTP token: 1 or more letters, digits and !#$%&'*+-.^_`|~");
      }
    }
  }

  /** An id, or why there is none. */
  private static final class Attempt {
    private static final Attempt[] MISSES = new Attempt[Reason.values().length];

    static {
      for (Reason r : Reason.values()) {
        MISSES[r.ordinal()] = new Attempt(null, r);
      }
    }

    final String id;
    final Reason reason;

    private Attempt(String id, Reason reason) {
      this.id = id;
      this.reason = reason;
    }

    static Attempt id(String id) {
      return new Attempt(id, null);
    }

    static Attempt miss(Reason reason) {
      return MISSES[reason.ordinal()];
    }
  }

  private interface Source {
    String name();

    Attempt attempt(IdentityView request);
  }

  private static final class Principal implements Source {
    @Override
    public String name() {
      return "principal";
    }

    @Override
    public Attempt attempt(IdentityView request) {
      String name = request.principalName();
      if (name == null) {
        return Attempt.miss(Reason.ABSENT);
      }
      return ClientIds.valid(name) ? Attempt.id(name) : Attempt.miss(Reason.INVALID);
    }
  }

  private static final class Header implements Source {
    final String name;

    Header(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return "header " + name;
    }

    @Override
    public Attempt attempt(IdentityView request) {
      List<String> values = request.headers(name);
      Reason miss = notOneLine(values);
      if (miss != null) {
        return Attempt.miss(miss);
      }
      String id = trim(values.get(0));
      return ClientIds.valid(id) ? Attempt.id(id) : Attempt.miss(Reason.INVALID);
    }
  }

  private static final class ApiKey implements Source {
    final String header;
    final String scheme;
    final ApiKeys keys;

    ApiKey(String header, String scheme, ApiKeys keys) {
      this.header = header;
      this.scheme = scheme;
      this.keys = keys;
    }

    @Override
    public String name() {
      return "API key " + header + (scheme == null ? "" : ": " + scheme);
    }

    @Override
    public Attempt attempt(IdentityView request) {
      List<String> values = request.headers(header);
      Reason miss = notOneLine(values);
      if (miss != null) {
        return Attempt.miss(miss);
      }
      String key = trim(values.get(0));
      if (scheme != null) {
        int n = scheme.length();
        if (!asciiStartsWithIgnoreCase(key, scheme) || key.length() > n && key.charAt(n) != ' ') {
          return Attempt.miss(Reason.WRONG_SCHEME);
        }
        key = trim(key.substring(n));
      }
      if (!ApiKeys.wellFormed(key)) {
        return Attempt.miss(Reason.INVALID);
      }
      Optional<String> id = keys.clientId(key);
      return id.isPresent() ? Attempt.id(id.get()) : Attempt.miss(Reason.UNKNOWN_KEY);
    }
  }

  /** Null for exactly one header line, else why not: none, or more than one. */
  private static Reason notOneLine(List<String> values) {
    if (values == null || values.isEmpty()) {
      return Reason.ABSENT;
    }
    if (values.size() > 1) {
      return Reason.MULTIPLE_VALUES;
    }
    return values.get(0) == null ? Reason.ABSENT : null;
  }

  /** {@code value} without the spaces and tabs (HTTP's optional whitespace) at either end. */
  private static String trim(String value) {
    int from = 0;
    int to = value.length();
    while (from < to && (value.charAt(from) == ' ' || value.charAt(from) == '\t')) {
      from++;
    }
    while (to > from && (value.charAt(to - 1) == ' ' || value.charAt(to - 1) == '\t')) {
      to--;
    }
    return value.substring(from, to);
  }

  private static boolean asciiStartsWithIgnoreCase(String value, String prefix) {
    if (value.length() < prefix.length()) {
      return false;
    }
    for (int i = 0; i < prefix.length(); i++) {
      char a = value.charAt(i);
      char b = prefix.charAt(i);
      if (a != b && asciiLower(a) != asciiLower(b)) {
        return false;
      }
    }
    return true;
  }

  private static char asciiLower(char c) {
    return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
  }
}
