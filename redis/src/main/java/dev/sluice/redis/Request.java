package dev.sluice.redis;

import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import java.util.List;

/**
 * One decision for a script: the Redis key, the time (µs as a string; empty: the server's TIME),
 * algorithm, operation, cost, argument and the policy's parameters. A multi-policy call is
 * several requests sharing a group number in one script call.
 */
record Request(String key, String time, int code, int op, long cost, String arg, String[] params) {

  /** Encodes one caller's requests (one, or several for a multi-policy call) as one script call. */
  static Encoded encode(Request[] group) {
    return group.length == 1 ? group[0].encodeOne() : encode(List.<Request[]>of(group));
  }

  /**
   * One request alone: time, operation, cost and argument, after its policy's parameters (see
   * lua/main_one.lua) or, for a token bucket, in its script (lua/token_bucket_one.lua).
   */
  Encoded encodeOne() {
    boolean bucket = code == Protocol.TOKEN_BUCKET;
    int o = bucket ? 0 : params.length;
    String[] argv = new String[o + 4];
    if (!bucket) {
      System.arraycopy(params, 0, argv, 0, o);
    }
    argv[o] = time;
    argv[o + 1] = Integer.toString(op);
    argv[o + 2] = Long.toString(Math.min(cost, Protocol.MAX));
    argv[o + 3] = arg;
    return new Encoded(new String[] {key}, argv,
        bucket ? Scripts.tokenBucket(params) : Scripts.forMask(Scripts.ONE | 1 << code));
  }

  /**
   * Encodes {@code groups} (each one request, or several for a multi-policy call) as one script
   * call: each distinct policy's parameters once, then the requests (see lua/main.lua). A call
   * holding one request alone is encoded by {@link #encodeOne}.
   */
  static Encoded encode(List<Request[]> groups) {
    if (groups.size() == 1 && groups.get(0).length == 1) {
      return groups.get(0)[0].encodeOne();
    }
    int n = 0;
    for (Request[] g : groups) {
      n += g.length;
    }
    String[] keys = new String[n];
    java.util.IdentityHashMap<String[], Integer> policies = new java.util.IdentityHashMap<>();
    List<String> head = new java.util.ArrayList<>();
    String[] requests = new String[6 * n];
    int k = 0;
    int mask = 0;
    int group = 0;
    for (Request[] g : groups) {
      int gid = g.length > 1 ? ++group : 0;
      for (Request r : g) {
        Integer index = policies.get(r.params);
        if (index == null) {
          index = policies.size() + 1;
          policies.put(r.params, index);
          head.add(Integer.toString(r.code));
          head.add(Integer.toString(r.params.length));
          for (String p : r.params) {
            head.add(p);
          }
          mask |= 1 << r.code;
        }
        int o = 6 * k;
        keys[k++] = r.key;
        requests[o] = index.toString();
        requests[o + 1] = r.time;
        requests[o + 2] = Integer.toString(r.op);
        requests[o + 3] = Long.toString(Math.min(r.cost, Protocol.MAX));
        requests[o + 4] = r.arg;
        requests[o + 5] = Integer.toString(gid);
      }
    }
    String[] argv = new String[2 + head.size() + requests.length];
    argv[0] = Integer.toString(n);
    argv[1] = Integer.toString(policies.size());
    for (int i = 0; i < head.size(); i++) {
      argv[2 + i] = head.get(i);
    }
    System.arraycopy(requests, 0, argv, 2 + head.size(), requests.length);
    return new Encoded(keys, argv,
        mask == 1 << Protocol.TOKEN_BUCKET && group == 0 ? Scripts.tokenBucketBatch() : Scripts.forMask(mask));
  }

  /** A script call: its keys, arguments and the script it runs. */
  record Encoded(String[] keys, String[] argv, Scripts.Script script) {

    /**
     * The arguments of EVAL or EVALSHA: {@code script} (its text or SHA-1), the keys, the
     * arguments. Added as plain strings: Lettuce's own eval and evalsha encode each value through
     * the codec into a temporary buffer, a cost on its event loop thread per argument. The keys
     * are added as keys, so a cluster connection routes by the first one's slot.
     */
    CommandArgs<String, String> args(String script) {
      CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).add(script).add(keys.length);
      for (String key : keys) {
        args.addKey(key);
      }
      for (String arg : argv) {
        args.add(arg);
      }
      return args;
    }
  }
}
