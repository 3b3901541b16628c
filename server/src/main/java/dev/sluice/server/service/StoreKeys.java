package dev.sluice.server.service;

import dev.sluice.Keys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The store key of a descriptor: the prefix, the domain and every entry, escaped so that two
 * different descriptors never share a key. envoyproxy/ratelimit joins them with {@code _}, so
 * that {@code (a_b, c)} and {@code (a, b_c)} count together; here {@code \}, {@code ;} and
 * {@code =} are escaped with {@code \} and entries are written {@code ;key=value}. A key longer
 * than {@link Keys#MAX_LENGTH} is replaced by {@code <prefix>sha256:<digest>} of its full text:
 * still one key per descriptor (SHA-256 has no known collision), and bounded in the store.
 */
final class StoreKeys {

  private StoreKeys() {}

  /**
   * The key of {@code entries} in {@code domain}.
   *
   * @param prefix {@code CACHE_KEY_PREFIX}
   * @param domain the request's domain
   * @param entries the descriptor's entries
   * @param sharePatterns per entry index, the wildcard pattern whose counter the entry shares
   *     ({@code share_threshold}), or "" to use the entry's own value; may be shorter than entries
   * @return the store key
   */
  static String of(String prefix, String domain, List<Map.Entry<String, String>> entries, List<String> sharePatterns) {
    StringBuilder b = new StringBuilder(prefix.length() + domain.length() + 16 * entries.size());
    b.append(prefix);
    escape(b, domain);
    for (int i = 0; i < entries.size(); i++) {
      Map.Entry<String, String> e = entries.get(i);
      String value = e.getValue();
      if (i < sharePatterns.size() && !sharePatterns.get(i).isEmpty()) {
        // the shared counter of every value the pattern matches: marked so that it is never the
        // counter of a value that happens to equal the pattern's text
        b.append(";*");
        escape(b, e.getKey());
        b.append('=');
        escape(b, sharePatterns.get(i));
        continue;
      }
      b.append(';');
      escape(b, e.getKey());
      b.append('=');
      escape(b, value);
    }
    if (b.length() <= Keys.MAX_LENGTH) {
      return b.toString();
    }
    return prefix + "sha256:" + digest(b.substring(prefix.length()));
  }

  private static void escape(StringBuilder b, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' || c == ';' || c == '=' || c == '*') {
        b.append('\\');
      }
      b.append(c);
    }
  }

  private static String digest(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}
