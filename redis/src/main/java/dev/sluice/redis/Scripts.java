package dev.sluice.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The Lua scripts, assembled from lua/*.lua (the order is in lua/constants.lua): the constants,
 * the helpers, the algorithms a call needs, the entry point. Every file's top level runs on every
 * call, so a call runs a script holding only the algorithms it uses; one token bucket request,
 * the most common call, runs a lean script of its own. Each is sent by its SHA-1
 * (EVALSHA) and, when Redis answers NOSCRIPT (first use, restart, failover), once in full (EVAL,
 * which also caches it).
 */
final class Scripts {

  /** A script: its text and SHA-1. */
  record Script(String text, String sha) {}

  private static final String[] FILES = {
      null, "token_bucket", "fixed_window", "sliding_log", "sliding_counter", "concurrency", "budget"};

  private static final String CONSTANTS = read("constants");
  private static final String PRELUDE = read("prelude");
  private static final String TOKEN_BUCKET_CORE = read("token_bucket_core");
  private static final String TOKEN_BUCKET_ONE = read("token_bucket_one");
  private static final Script TOKEN_BUCKET_BATCH = script(CONSTANTS + '\n' + TOKEN_BUCKET_CORE + '\n'
      + read("token_bucket_many"));
  private static final String MAIN = read("main");
  private static final String MAIN_ONE = read("main_one");
  private static final String WINDOWS = read("windows");
  private static final String[] ALGORITHMS = new String[FILES.length];

  static {
    for (int i = 1; i < FILES.length; i++) {
      ALGORITHMS[i] = read(FILES[i]);
    }
  }

  /** By bit mask of algorithm codes (bit {@code 1 << code}), plus bit 0 for one request. */
  private static final AtomicReferenceArray<Script> CACHE = new AtomicReferenceArray<>(1 << FILES.length);

  /** Bit 0 of a mask: the call holds exactly one request (lua/main_one.lua). */
  static final int ONE = 1;

  /** Algorithms that use windows.lua. */
  private static final int WINDOWED = (1 << Protocol.FIXED_WINDOW) | (1 << Protocol.BUDGET);

  private Scripts() {}

  /**
   * The script holding exactly the algorithms in {@code mask} (bits {@code 1 << code}), with the
   * single-request entry point if bit {@link #ONE} is set.
   */
  static Script forMask(int mask) {
    Script s = CACHE.get(mask);
    if (s == null) {
      if (mask == (ONE | (1 << Protocol.TOKEN_BUCKET))) {
        throw new IllegalArgumentException("one token bucket request runs its bucket's own script: tokenBucket(params)");
      }
      StringBuilder b = new StringBuilder(CONSTANTS).append('\n').append(PRELUDE);
      if ((mask & WINDOWED) != 0) {
        b.append('\n').append(WINDOWS);
      }
      if ((mask & (1 << Protocol.TOKEN_BUCKET)) != 0) {
        b.append('\n').append(TOKEN_BUCKET_CORE);
      }
      for (int code = 1; code < FILES.length; code++) {
        if ((mask & (1 << code)) != 0) {
          b.append('\n').append(ALGORITHMS[code]);
        }
      }
      b.append('\n').append((mask & ONE) != 0 ? MAIN_ONE : MAIN);
      String text = b.toString();
      s = new Script(text, sha1(text));
      CACHE.compareAndSet(mask, null, s);
    }
    return s;
  }

  /** The single-request script of algorithm {@code code} (not the token bucket: {@link #tokenBucket}). */
  static Script forCode(int code) {
    return forMask(ONE | (1 << code));
  }

  /**
   * The script for a batch of token bucket requests without multi-policy groups
   * (lua/token_bucket_many.lua; main.lua's layout).
   */
  static Script tokenBucketBatch() {
    return TOKEN_BUCKET_BATCH;
  }

  /**
   * The scripts a store loads when it connects, before any policy is known: the single-request
   * script of each algorithm but the token bucket (whose scripts are per bucket), the token
   * bucket batch script, and the batch script of each algorithm alone.
   */
  static List<Script> common() {
    List<Script> list = new java.util.ArrayList<>();
    list.add(tokenBucketBatch());
    for (int code = 1; code < FILES.length; code++) {
      if (code != Protocol.TOKEN_BUCKET) {
        list.add(forCode(code));
      }
      list.add(forMask(1 << code));
    }
    return list;
  }

  /**
   * The batch scripts holding algorithm {@code code} and any of the algorithms in {@code others}
   * (bits {@code 1 << code}): what a store adds to its loaded scripts when its first policy of
   * {@code code} appears.
   */
  static List<Script> batchesWith(int code, int others) {
    others &= ~(1 << code) & ~ONE;
    List<Script> list = new java.util.ArrayList<>();
    // every subset of others, with code added
    for (int sub = others; ; sub = (sub - 1) & others) {
      list.add(forMask(sub | 1 << code));
      if (sub == 0) {
        break;
      }
    }
    return list;
  }

  private static Script script(String text) {
    return new Script(text, sha1(text));
  }

  /** Token bucket scripts by their parameters. */
  private static final ConcurrentHashMap<List<String>, Script> TOKEN_BUCKETS = new ConcurrentHashMap<>();

  /**
   * The script for one request of the token bucket with {@code params} (capacity, units per
   * token, units per µs: {@link Protocol#params}), which it holds as constants: one script per
   * distinct bucket, so each call sends and Redis parses and checks three arguments fewer.
   */
  static Script tokenBucket(String[] params) {
    List<String> key = List.of(params);
    Script s = TOKEN_BUCKETS.get(key);
    if (s == null) {
      if (params.length != 3) {
        throw new IllegalArgumentException("a token bucket takes 3 parameters, not " + params.length);
      }
      for (String p : params) {
        if (!p.matches("[1-9][0-9]{0,15}")) {
          throw new IllegalArgumentException("token bucket parameter '" + p + "' is not a positive integer below 2^53");
        }
      }
      String text = CONSTANTS + '\n' + TOKEN_BUCKET_CORE + '\n'
          + "local c, p, d = " + params[0] + ", " + params[1] + ", " + params[2] + " -- the bucket's parameters\n"
          + TOKEN_BUCKET_ONE;
      s = TOKEN_BUCKETS.computeIfAbsent(key, k -> new Script(text, sha1(text)));
    }
    return s;
  }

  private static String read(String name) {
    String path = "lua/" + name + ".lua";
    try (InputStream in = Scripts.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing resource dev/sluice/redis/" + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String sha1(String text) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
