package dev.sluice.server.api;

import dev.sluice.server.http.Handler;
import dev.sluice.server.http.Request;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.Optional;

/**
 * Who may call the admin API, which can reset any key's usage: the rule depends on where the debug
 * listener is bound.
 *
 * <ul>
 *   <li>On a loopback address (127.0.0.0/8, ::1), only this host reaches it: the token is
 *       optional, and checked when {@value #TOKEN_VARIABLE} is set.
 *   <li>On any other address (0.0.0.0, the envoy default, included), a bearer token is required:
 *       {@code Authorization: Bearer <ADMIN_TOKEN>}. With no {@value #TOKEN_VARIABLE} set, every
 *       admin route answers 403 saying so, and {@link #warning()} says it at start.
 * </ul>
 *
 * A missing or wrong token is a 401 with {@code WWW-Authenticate: Bearer}. Tokens are compared in
 * constant time: both are hashed with SHA-256 and the digests compared with {@link
 * MessageDigest#isEqual}, so neither the token's length nor the position of the first wrong
 * character shows in the time taken.
 */
public final class AdminAccess {

  /** The environment variable that holds the admin token. */
  public static final String TOKEN_VARIABLE = "ADMIN_TOKEN";

  private static final String REALM = "Bearer realm=\"sluice-admin\"";

  /** The debug listener's host, for messages. */
  private final String listener;
  private final boolean loopback;
  private final byte[] tokenDigest;

  private AdminAccess(String listener, boolean loopback, byte[] tokenDigest) {
    this.listener = listener;
    this.loopback = loopback;
    this.tokenDigest = tokenDigest;
  }

  /**
   * The access rule of a debug listener bound to {@code bind}.
   *
   * @param bind where the debug listener listens; an unresolved address counts as not loopback
   * @param token the admin token, or null or empty for none
   */
  public static AdminAccess of(InetSocketAddress bind, String token) {
    Objects.requireNonNull(bind, "bind");
    InetAddress a = bind.getAddress();
    boolean loopback = a != null && a.isLoopbackAddress();
    String host = a == null ? bind.getHostString() : a.getHostAddress();
    return new AdminAccess(host, loopback,
        token == null || token.isEmpty() ? null : sha256(token));
  }

  /** Whether the listener is bound to a loopback address. */
  public boolean loopback() {
    return loopback;
  }

  /** Whether a token is set. */
  public boolean tokenSet() {
    return tokenDigest != null;
  }

  /**
   * What to print at start when the admin API is shut: bound beyond loopback with no token.
   *
   * @return the warning, or empty when the admin API is usable
   */
  public Optional<String> warning() {
    if (loopback || tokenSet()) {
      return Optional.empty();
    }
    return Optional.of(disabled());
  }

  private String disabled() {
    return "the admin API (/v1/admin/) answers 403: the debug listener is bound to " + listener
        + ", which is not a loopback address, and " + TOKEN_VARIABLE + " is not set; set "
        + TOKEN_VARIABLE + " to use it with Authorization: Bearer <token>, or bind DEBUG_HOST to"
        + " 127.0.0.1";
  }

  /** {@code handler}, run only for a caller this rule lets in; others get 401 or 403. */
  Handler guard(Handler handler) {
    return request -> {
      Problem refused = refusal(request);
      return refused != null ? refused.response() : handler.handle(request);
    };
  }

  /** Why {@code request} may not pass, or null if it may. */
  Problem refusal(Request request) {
    if (tokenDigest == null) {
      return loopback ? null : new Problem(Problem.Type.ADMIN_TOKEN_REQUIRED, disabled());
    }
    String auth = request.header("Authorization");
    String given = bearer(auth);
    if (given == null) {
      return new Problem(Problem.Type.UNAUTHORIZED, auth == null
          ? "the admin API needs the header Authorization: Bearer <token> (the token is "
              + TOKEN_VARIABLE + ")"
          : "the Authorization header is not 'Bearer <token>'").header("WWW-Authenticate", REALM);
    }
    if (!MessageDigest.isEqual(sha256(given), tokenDigest)) {
      return new Problem(Problem.Type.UNAUTHORIZED, "the bearer token is not the admin token")
          .header("WWW-Authenticate", REALM + ", error=\"invalid_token\"");
    }
    return null;
  }

  /** The token of {@code Bearer <token>} (scheme in any case, RFC 9110), or null. */
  private static String bearer(String auth) {
    if (auth == null) {
      return null;
    }
    String a = auth.strip();
    if (a.length() < 7 || !a.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = a.substring(7).strip();
    return token.isEmpty() ? null : token;
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }

  @Override
  public String toString() {
    return "AdminAccess[" + listener + (loopback ? ", loopback" : "") + (tokenSet() ? ", token" : "")
        + "]";
  }
}
