package dev.sluice.redis;

/**
 * How a (policy, key) pair becomes a Redis key: {@code <prefix><kind>:<name>:{<key>}}, where
 * {@code kind} is the policy's algorithm code ({@link Protocol#code}) and {@code name} and
 * {@code key} are escaped: {@code %} becomes {@code %25}, <code>{</code> becomes {@code %7B} and
 * <code>}</code> becomes {@code %7D}.
 *
 * <p>The mapping is injective: the prefix holds no brace (the builder refuses one) and neither
 * escaped part does, so the first <code>{</code> of a Redis key ends the name and the first
 * <code>}</code> after it ends the key; unescaping both gives back the pair. Keys come from users,
 * so nothing a key contains can reach another key's state: <code>"{alice}"</code> is not
 * {@code "alice"}, policy {@code a} with key <code>b:{c}</code> is not policy {@code a:b} with key
 * {@code c}, and a lease key <code>{x}:slots</code> is not lease {@code x}'s slot set (the suffix
 * {@code :slots} that the concurrency script appends comes after the closing brace, which no key
 * can produce). On a Redis Cluster the hash tag is always the whole escaped key: a key's slot
 * depends on the key alone, and one key under several policies shares a slot (what a multi-policy
 * call on one key needs); a key's content cannot choose the slot.
 */
final class RedisKeys {
  private RedisKeys() {}

  /** {@code prefix} (already escaped, ending in <code>{</code>) + the escaped key + <code>}</code>. */
  static String key(String prefix, String key) {
    int n = key.length();
    int i = 0;
    while (i < n) {
      char c = key.charAt(i);
      if (c == '%' || c == '{' || c == '}') {
        break;
      }
      i++;
    }
    if (i == n) {
      return prefix.concat(key).concat("}");
    }
    StringBuilder b = new StringBuilder(prefix.length() + n + 16).append(prefix);
    escape(key, b);
    return b.append('}').toString();
  }

  /** {@code s} with <code>%</code>, <code>{</code> and <code>}</code> escaped. */
  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    escape(s, b);
    return b.toString();
  }

  private static void escape(String s, StringBuilder b) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '%' -> b.append("%25");
        case '{' -> b.append("%7B");
        case '}' -> b.append("%7D");
        default -> b.append(c);
      }
    }
  }
}
