package dev.sluice.server.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Names for the Sluice policies of a config's leaves. A policy's name is part of its identity in
 * a store, so a name must not change while the leaf stays, and two leaves must never share one.
 *
 * <p>A leaf's name is its full key as theirs writes it, {@code domain.key_value.key2} (the leaf's
 * path from the domain, composite keys joined with {@code .}); with several policies, each gets
 * {@code #1}, {@code #2}, ... in the order listed. That name is used if it has 1 to 128 chars and
 * no other policy of the config gets the same (keys may contain {@code .}: {@code a.b} under
 * domain {@code d} and {@code b} under {@code a} under {@code d} both read {@code d.a.b}).
 * Otherwise the name is its first 115 chars (lone surrogates as {@code ?}), {@code ~}, and 12 hex
 * digits of the SHA-256 of the leaf's unambiguous path (each part length-prefixed) and policy
 * number: stable, and unique short of a 48-bit hash collision. Names depend only on the leaf's
 * path and the number of its policies, not on file order.
 */
final class PolicyNames {
  private PolicyNames() {}

  static final int MAX_LENGTH = 128;
  private static final int HASH_HEX = 12;

  /**
   * The names of each leaf's policies.
   *
   * @param leaves the leaves with Sluice policies
   * @return for each leaf, one name per policy text, in order
   */
  static Map<Descriptor.Builder, List<String>> assign(List<Descriptor.Builder> leaves) {
    Map<String, Integer> uses = new HashMap<>();
    for (Descriptor.Builder b : leaves) {
      for (int j = 0; j < b.policyTexts.size(); j++) {
        uses.merge(readable(b, j), 1, Integer::sum);
      }
    }
    Map<Descriptor.Builder, List<String>> names = new LinkedHashMap<>();
    Set<String> taken = new HashSet<>();
    for (Descriptor.Builder b : leaves) {
      List<String> mine = new ArrayList<>();
      for (int j = 0; j < b.policyTexts.size(); j++) {
        String r = readable(b, j);
        String name = uses.get(r) == 1 && valid(r) ? r : hashed(r, b.path, j);
        if (!taken.add(name)) {
          throw new IllegalStateException("two policies would be named '" + name + "'");
        }
        mine.add(name);
      }
      names.put(b, mine);
    }
    return names;
  }

  private static String readable(Descriptor.Builder b, int j) {
    String key = String.join(".", b.path);
    return b.policyTexts.size() == 1 ? key : key + "#" + (j + 1);
  }

  private static boolean valid(String name) {
    if (name.length() > MAX_LENGTH || name.isBlank()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  private static String hashed(String readable, List<String> path, int j) {
    StringBuilder id = new StringBuilder();
    for (String part : path) {
      id.append(part.length()).append(':').append(part).append(';');
    }
    id.append('#').append(j);
    byte[] digest;
    try {
      digest = MessageDigest.getInstance("SHA-256").digest(id.toString().getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
    StringBuilder hex = new StringBuilder();
    for (int i = 0; hex.length() < HASH_HEX; i++) {
      hex.append(String.format("%02x", digest[i] & 0xFF));
    }
    int room = MAX_LENGTH - 1 - HASH_HEX;
    StringBuilder prefix = new StringBuilder();
    for (int i = 0; i < readable.length() && prefix.length() < room; i++) {
      char c = readable.charAt(i);
      boolean pair = Character.isHighSurrogate(c) && i + 1 < readable.length()
          && Character.isLowSurrogate(readable.charAt(i + 1));
      if (pair) {
        if (prefix.length() + 2 > room) {
          break;
        }
        prefix.append(c).append(readable.charAt(++i));
      } else {
        prefix.append(Character.isSurrogate(c) ? '?' : c);
      }
    }
    return prefix + "~" + hex;
  }
}
