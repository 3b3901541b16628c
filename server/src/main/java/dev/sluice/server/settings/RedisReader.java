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
 *
 * <p>With {@code REDIS_TYPE=SENTINEL}, {@code REDIS_URL} is {@code mastername,sentinel[,sentinel...]},
 * each sentinel read as above (without a database: a sentinel has none). As in radix, the master
 * (whose address the sentinels give) is asked with {@code REDIS_AUTH} only, and the sentinels with
 * {@code REDIS_SENTINEL_AUTH}, which wins over the first sentinel URL's credentials. One
 * difference: Lettuce asks only the sentinels listed, where radix also learns the others from them.
 */
final class RedisReader {

  /** The variables of one Redis. */
  record Twins(Variable type, Variable socketType, Variable url, Variable auth, Variable tls, Variable timeout,
      Variable poolOnEmpty, Variable sentinelAuth) {}

  static final Twins MAIN = new Twins(REDIS_TYPE, REDIS_SOCKET_TYPE, REDIS_URL, REDIS_AUTH, REDIS_TLS, REDIS_TIMEOUT,
      REDIS_POOL_ON_EMPTY_BEHAVIOR, REDIS_SENTINEL_AUTH);
  static final Twins PER_SECOND = new Twins(REDIS_PERSECOND_TYPE, REDIS_PERSECOND_SOCKET_TYPE, REDIS_PERSECOND_URL,
      REDIS_PERSECOND_AUTH, REDIS_PERSECOND_TLS, REDIS_PERSECOND_TIMEOUT, REDIS_PERSECOND_POOL_ON_EMPTY_BEHAVIOR,
      REDIS_PERSECOND_SENTINEL_AUTH);

  /** The Redis store's longest connect timeout. */
  private static final Duration MAX_CONNECT_TIMEOUT = Duration.ofMinutes(5);

  private static final String URL_FORMS = "host:port or redis://[user:password@]host:port[/db]";
  private static final String SENTINEL_FORM = "mastername,host:port[,host:port...] (the master's name, then its"
      + " sentinels, each host:port or redis://[user:password@]host:port)";

  private RedisReader() {}

  /**
   * One Redis, or null after recording its problems in {@code r}; {@code tls} (the shared
   * {@code REDIS_TLS_*} files, read by {@link #tlsFiles}) apply when its TLS flag is on.
   */
  static RedisSettings read(Reader r, Twins t, RedisSettings.TlsFiles tls) {
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
    String[] sentinelAuth = {"", ""};
    if (type == RedisSettings.Type.SENTINEL) {
      sentinelAuth = sentinel(r, t, uris);
    } else if (type != null && tcp) {
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
    return new RedisSettings(type, uris, timeout, r.bool(REDIS_HEALTH_CHECK_ACTIVE_CONNECTION), sentinelAuth[0],
        sentinelAuth[1], r.bool(t.tls()) ? tls : RedisSettings.TlsFiles.NONE);
  }

  /**
   * {@code REDIS_TLS_CACERT}, {@code REDIS_TLS_CLIENT_CERT} and {@code REDIS_TLS_CLIENT_KEY}, for
   * a Redis reached with TLS: each file set must exist and be readable, and the certificate and
   * its key come together (envoyproxy/ratelimit skips a certificate without its key; Sluice
   * refuses it rather than connect without the certificate meant). Null after recording the
   * problems in {@code r}.
   */
  static RedisSettings.TlsFiles tlsFiles(Reader r) {
    int before = r.problems().size();
    String cert = r.string(REDIS_TLS_CLIENT_CERT);
    String key = r.string(REDIS_TLS_CLIENT_KEY);
    if (cert.isEmpty() != key.isEmpty()) {
      r.problem("REDIS_TLS_CLIENT_CERT=" + cert + " and REDIS_TLS_CLIENT_KEY=" + key + ": a client certificate"
          + " for Redis needs both its certificate and its key; set both, or unset both");
    }
    java.util.Optional<java.nio.file.Path> ca = file(r, REDIS_TLS_CACERT);
    java.util.Optional<java.nio.file.Path> certFile = file(r, REDIS_TLS_CLIENT_CERT);
    java.util.Optional<java.nio.file.Path> keyFile = file(r, REDIS_TLS_CLIENT_KEY);
    return r.problems().size() > before ? null : new RedisSettings.TlsFiles(ca, certFile, keyFile);
  }

  /** A file variable: empty when unset; a problem unless it names a readable file. */
  private static java.util.Optional<java.nio.file.Path> file(Reader r, Variable v) {
    String s = r.string(v);
    if (s.isEmpty()) {
      return java.util.Optional.empty();
    }
    java.nio.file.Path p;
    try {
      p = java.nio.file.Path.of(s);
    } catch (java.nio.file.InvalidPathException e) {
      r.problem(v.name() + "='" + s + "' is not a path: " + e.getReason());
      return java.util.Optional.empty();
    }
    if (!java.nio.file.Files.exists(p)) {
      r.problem(v.name() + "=" + s + ": no such file");
    } else if (!java.nio.file.Files.isRegularFile(p) || !java.nio.file.Files.isReadable(p)) {
      r.problem(v.name() + "=" + s + ": not a readable file");
    }
    return java.util.Optional.of(p);
  }

  /**
   * {@code REDIS_URL=mastername,sentinel,...}: adds the one {@code redis-sentinel://} URI to
   * {@code uris} (or records problems) and returns the sentinels' {@code {user, password}}.
   */
  private static String[] sentinel(Reader r, Twins t, List<String> uris) {
    String url = r.string(t.url());
    String[] items = url.split(",", -1);
    if (items.length < 2 || items[0].isEmpty()) {
      r.problem(t.url().name() + "='" + r.shown(t.url()) + "' is not " + SENTINEL_FORM + " ("
          + (items.length < 2 ? "no sentinel after the master's name" : "the master's name is empty") + ")");
      return new String[] {"", ""};
    }
    List<Endpoint> sentinels = new ArrayList<>();
    for (int i = 1; i < items.length; i++) {
      String problem;
      try {
        Endpoint e = Endpoint.parse(items[i]);
        if (e.db().isEmpty()) {
          sentinels.add(e);
          continue;
        }
        problem = "a sentinel has no databases: remove the database";
      } catch (IllegalArgumentException e) {
        problem = e.getMessage();
      }
      r.problem(t.url().name() + "='" + r.shown(t.url()) + "' is not " + SENTINEL_FORM + " (sentinel '"
          + Reader.maskUrl(items[i]) + "': " + problem + ")");
    }
    if (sentinels.size() != items.length - 1) {
      return new String[] {"", ""};
    }
    if (sentinels.size() > 1 && sentinels.stream().anyMatch(e -> e.host().indexOf(':') >= 0)) {
      // Lettuce's sentinel URI reads a bracketed IPv6 address only when it is the one host
      r.problem(t.url().name() + "='" + r.shown(t.url()) + "': an IPv6 address among several sentinels is not"
          + " supported by Sluice; name those sentinels by host name, or list one sentinel");
      return new String[] {"", ""};
    }
    // radix asks every sentinel with REDIS_SENTINEL_AUTH, or else with the first sentinel URL's
    // credentials (a URL's user stays when REDIS_SENTINEL_AUTH has none, as for REDIS_AUTH)
    Endpoint first = sentinels.get(0);
    String[] auth = auth(r.string(t.sentinelAuth()));
    String user = auth[0].isEmpty() ? first.user() : auth[0];
    String password = auth[1].isEmpty() ? first.password() : auth[1];
    if (auth[1].isEmpty()) {
      for (Endpoint e : sentinels) {
        if (!(e.user().isEmpty() && e.password().isEmpty()) && !(e.user().equals(first.user())
            && e.password().equals(first.password()))) {
          r.problem(t.url().name() + "='" + r.shown(t.url()) + "': its sentinels have different credentials;"
              + " Sluice asks every sentinel with one: set " + t.sentinelAuth().name() + " (or the same in each"
              + " sentinel's URL)");
          return new String[] {"", ""};
        }
      }
    }
    if (password.isEmpty()) {
      user = "";
    }
    String[] master = auth(r.string(t.auth()));
    boolean tls = r.bool(t.tls());
    StringBuilder b = new StringBuilder(tls ? "rediss-sentinel://" : "redis-sentinel://");
    if (!master[1].isEmpty()) {
      b.append(encode(master[0])).append(':').append(encode(master[1])).append('@');
    }
    for (int i = 0; i < sentinels.size(); i++) {
      Endpoint e = sentinels.get(i);
      String h = e.host().isEmpty() ? "localhost" : e.host();
      b.append(i == 0 ? "" : ",").append(h.indexOf(':') >= 0 ? "[" + h + "]" : h).append(':').append(e.port());
    }
    if (tls && r.bool(REDIS_TLS_SKIP_HOSTNAME_VERIFICATION)) {
      b.append("?verifyPeer=CA");
    }
    b.append('#').append(encode(items[0]));
    uris.add(b.toString());
    return new String[] {user, password};
  }

  private static RedisSettings.Type type(Reader r, Variable v) {
    String raw = r.string(v);
    switch (raw.toLowerCase(Locale.ROOT)) {
      case "single":
        return RedisSettings.Type.SINGLE;
      case "cluster":
        return RedisSettings.Type.CLUSTER;
      case "sentinel":
        return RedisSettings.Type.SENTINEL;
      default:
        r.problem(v.name() + "='" + raw + "' is not a Redis type: use SINGLE, CLUSTER or SENTINEL");
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
