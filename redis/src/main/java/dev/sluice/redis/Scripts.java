package dev.sluice.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
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
      StringBuilder b = new StringBuilder(CONSTANTS);
      boolean tokenBucket = (mask & (1 << Protocol.TOKEN_BUCKET)) != 0;
      if (mask == (ONE | (1 << Protocol.TOKEN_BUCKET))) {
        b.append('\n').append(TOKEN_BUCKET_CORE).append('\n').append(TOKEN_BUCKET_ONE);
      } else {
        b.append('\n').append(PRELUDE);
        if ((mask & WINDOWED) != 0) {
          b.append('\n').append(WINDOWS);
        }
        if (tokenBucket) {
          b.append('\n').append(TOKEN_BUCKET_CORE);
        }
        for (int code = 1; code < FILES.length; code++) {
          if ((mask & (1 << code)) != 0) {
            b.append('\n').append(ALGORITHMS[code]);
          }
        }
        b.append('\n').append((mask & ONE) != 0 ? MAIN_ONE : MAIN);
      }
      String text = b.toString();
      s = new Script(text, sha1(text));
      CACHE.compareAndSet(mask, null, s);
    }
    return s;
  }

  /** The single-request script of algorithm {@code code}. */
  static Script forCode(int code) {
    return forMask(ONE | (1 << code));
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
