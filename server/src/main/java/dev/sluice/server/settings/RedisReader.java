package dev.sluice.server.settings;

import static dev.sluice.server.settings.Variable.*;

import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads one Redis (the {@code REDIS_*} variables, or their {@code REDIS_PERSECOND_*} twins) the way
 * envoyproxy/ratelimit's driver (radix v4) reads them, into Lettuce URIs: {@code REDIS_URL} is
 * {@code host:port} or {@code redis://[user:password@]host:port[/db][?username=&password=&db=]};
 * {@code REDIS_AUTH} ({@code password} or {@code user:password}) wins over the URL's credentials;
 * an empty host is this machine, as Go dials it.
 */
final class RedisReader {

  /** The variables of one Redis. */
  record Twins(Variable type, Variable socketType, Variable url, Variable auth, Variable tls, Variable timeout,
      Variable poolOnEmpty) {}

  static final Twins MAIN = new Twins(REDIS_TYPE, REDIS_SOCKET_TYPE, REDIS_URL, REDIS_AUTH, REDIS_TLS, REDIS_TIMEOUT,
      REDIS_POOL_ON_EMPTY_BEHAVIOR);
  static final Twins PER_SECOND = new Twins(REDIS_PERSECOND_TYPE, REDIS_PERSECOND_SOCKET_TYPE, REDIS_PERSECOND_URL,
      REDIS_PERSECOND_AUTH, REDIS_PERSECOND_TLS, REDIS_PERSECOND_TIMEOUT, REDIS_PERSECOND_POOL_ON_EMPTY_BEHAVIOR);

  /** The Redis store's longest connect timeout. */
  private static final Duration MAX_CONNECT_TIMEOUT = Duration.ofMinutes(5);

  private static final String URL_FORMS = "host:port or redis://[user:password@]host:port[/db]";

  private RedisReader() {}

  /** One Redis, or null after recording its problems in {@code r}. */
  static RedisSettings read(Reader r, Twins t) {
    int before = r.problems().size();
    RedisSettings.Type type = type(r, t.type());
    // a unix socket's path is no host:port: its problem says to change both, so the URL is not read
    boolean tcp = type != RedisSettings.Type.SINGLE || socketType(r, t.socketType(), t.url());
    String onEmpty = r.string(t.poolOnEmpty()).toUpperCase(Locale.ROOT);
    if (onEmpty.equals("CREATE") || onEmpty.equals("ERROR")) {
      r.problem(t.poolOnEmpty().name() + "=" + r.raw(t.poolOnEmpty()) + " is not supported (nor by"
          + " envoyproxy/ratelimit since radix v4): unset it or set WAIT");
    }
    Duration timeout = r.nonNegative(t.timeout());
    if (timeout.compareTo(MAX_CONNECT_TIMEOUT) > 0 || !timeout.isZero() && timeout.toNanos() < 1_000_000) {
      r.problem(t.timeout().name() + "=" + r.raw(t.timeout()) + " is out of range: expected 1ms to 5m, or 0 for"
          + " the store's default");
    }
    List<String> uris = new ArrayList<>();
    if (type != null && tcp) {
      String url = r.string(t.url());
      List<String> items = type == RedisSettings.Type.CLUSTER ? List.of(url.split(",", -1)) : List.of(url);
      String[] auth = auth(r.string(t.auth()));
      boolean skipHostname = r.bool(REDIS_TLS_SKIP_HOSTNAME_VERIFICATION);
      for (String item : items) {
        try {
          uris.add(Endpoint.parse(item).uri(r.bool(t.tls()), skipHostname, auth[0], auth[1]));
        } catch (IllegalArgumentException e) {
          r.problem(t.url().name() + "='" + r.shown(t.url()) + "' is not " + URL_FORMS
              + (items.size() > 1 ? " (item '" + Reader.maskUrl(item) + "': " : " (") + e.getMessage() + ")");
        }
      }
    }
    if (r.problems().size() > before) {
      return null;
    }
    return new RedisSettings(type, uris, timeout, r.bool(REDIS_HEALTH_CHECK_ACTIVE_CONNECTION));
  }

  private static RedisSettings.Type type(Reader r, Variable v) {
    String raw = r.string(v);
    switch (raw.toLowerCase(Locale.ROOT)) {
      case "single":
        return RedisSettings.Type.SINGLE;
      case "cluster":
        return RedisSettings.Type.CLUSTER;
      case "sentinel":
        r.problem(v.name() + "=" + raw + " is not supported by Sluice: it cannot find the master through"
            + " Sentinel; use SINGLE (the master's or a proxy's host:port) or CLUSTER");
        return null;
      default:
        r.problem(v.name() + "='" + raw + "' is not a Redis type: use SINGLE or CLUSTER");
        return null;
    }
  }

  /** Whether the socket type is TCP; records a problem if not. */
  private static boolean socketType(Reader r, Variable v, Variable url) {
    String raw = r.string(v);
    switch (raw) {
      case "tcp", "tcp4", "tcp6":
        return true;
      case "unix":
        r.problem(v.name() + "=unix" + (r.isSet(v) ? "" : " (the default when unset)") + " is not supported by"
            + " Sluice: it cannot reach Redis on a unix socket; set " + v.name() + "=tcp and " + url.name()
            + "=host:port");
        return false;
      default:
        r.problem(v.name() + "='" + raw + "' is not a socket type: use tcp");
        return false;
    }
  }

  /** {@code REDIS_AUTH}: {@code {user, password}}; a value without a colon is the password. */
  private static String[] auth(String auth) {
    int colon = auth.indexOf(':');
    return colon < 0 ? new String[] {"", auth} : new String[] {auth.substring(0, colon), auth.substring(colon + 1)};
  }

  /** One address of {@code REDIS_URL}. */
  record Endpoint(String host, int port, String user, String password, String db) {

    /** Reads {@code host:port} or a {@code redis://} URL, as radix v4's dialer does. */
    static Endpoint parse(String item) {
      if (!item.startsWith("redis://") && item.contains("://")) {
        throw new IllegalArgumentException("only the redis:// scheme is read; REDIS_TLS=true turns TLS on");
      }
      if (!item.startsWith("redis://")) {
        HostPort hp = port(HostPort.parse(item));
        return new Endpoint(hp.host(), hp.port(), "", "", "");
      }
      String rest = item.substring("redis://".length());
      int hash = rest.indexOf('#');
      if (hash >= 0) {
        rest = rest.substring(0, hash);
      }
      String query = "";
      int q = rest.indexOf('?');
      if (q >= 0) {
        query = rest.substring(q + 1);
        rest = rest.substring(0, q);
      }
      String path = "";
      int slash = rest.indexOf('/');
      if (slash >= 0) {
        path = rest.substring(slash);
        rest = rest.substring(0, slash);
      }
      String user = "";
      String password = "";
      String db = "";
      for (String pair : query.isEmpty() ? new String[0] : query.split("&", -1)) {
        int eq = pair.indexOf('=');
        String key = decodeQuery(eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : decodeQuery(pair.substring(eq + 1));
        if (key.equals("username") && user.isEmpty()) {
          user = value;
        } else if (key.equals("password") && password.isEmpty()) {
          password = value;
        } else if (key.equals("db") && db.isEmpty()) {
          db = value;
        }
      }
      int at = rest.lastIndexOf('@');
      if (at >= 0) {
        String userInfo = rest.substring(0, at);
        rest = rest.substring(at + 1);
        int colon = userInfo.indexOf(':');
        String u = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
        if (!u.isEmpty()) {
          user = u;
        }
        if (colon >= 0) {
          password = decode(userInfo.substring(colon + 1));
        }
      }
      if (!path.isEmpty() && !path.equals("/")) {
        db = path.substring(1);
      }
      if (!db.isEmpty() && !db.matches("[0-9]{1,9}")) {
        throw new IllegalArgumentException("database '" + db + "' is not a number");
      }
      HostPort hp = port(HostPort.parse(rest));
      return new Endpoint(hp.host(), hp.port(), user, password, db);
    }

    private static HostPort port(HostPort hp) {
      if (hp.port() == 0) {
        throw new IllegalArgumentException("port 0 cannot be connected to");
      }
      return hp;
    }

    /** The Lettuce URI; {@code authUser}/{@code authPassword} ({@code REDIS_AUTH}) win when not empty. */
    String uri(boolean tls, boolean skipHostnameVerification, String authUser, String authPassword) {
      String u = authUser.isEmpty() ? user : authUser;
      String p = authPassword.isEmpty() ? password : authPassword;
      StringBuilder b = new StringBuilder(tls ? "rediss://" : "redis://");
      if (!p.isEmpty()) {
        b.append(encode(u)).append(':').append(encode(p)).append('@');
      }
      String h = host.isEmpty() ? "localhost" : host;
      b.append(h.indexOf(':') >= 0 ? "[" + h + "]" : h).append(':').append(port);
      if (!db.isEmpty() && Integer.parseInt(db) != 0) {
        b.append('/').append(Integer.parseInt(db));
      }
      if (tls && skipHostnameVerification) {
        b.append("?verifyPeer=CA");
      }
      return b.toString();
    }
  }

  /** Percent-encodes all but URI unreserved characters. */
  static String encode(String s) {
    StringBuilder b = new StringBuilder();
    for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (x & 0xff);
      if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~".indexOf(c) >= 0) {
        b.append(c);
      } else {
        b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return b.toString();
  }

  /** Decodes {@code %XX} escapes of a URL's user info (a {@code +} stays a plus, as in Go). */
  static String decode(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
        int lo = hi >= 0 ? Character.digit(s.charAt(i + 2), 16) : -1;
        if (lo < 0) {
          throw new IllegalArgumentException("invalid escape in user info");
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else {
        int end = s.indexOf('%', i);
        byte[] bytes = s.substring(i, end < 0 ? s.length() : end).getBytes(StandardCharsets.UTF_8);
        out.write(bytes, 0, bytes.length);
        i = (end < 0 ? s.length() : end) - 1;
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static String decodeQuery(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid escape in query");
    }
  }
}
