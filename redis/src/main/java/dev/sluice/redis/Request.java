package dev.sluice.redis;

import java.util.List;

/**
 * One decision for a script: the Redis key, the time (µs as a string; empty: the server's TIME),
 * algorithm, operation, cost, argument and the policy's parameters. A multi-policy call is
 * several requests sharing a group number in one script call.
 */
record Request(String key, String time, int code, int op, long cost, String arg, String[] params) {

  /** Appends this request's fields to {@code argv} (see lua/main.lua for the layout). */
  void encode(List<String> argv, int group) {
    argv.add(time);
    argv.add(Integer.toString(code));
    argv.add(Integer.toString(op));
    argv.add(Long.toString(Math.min(cost, Protocol.MAX)));
    argv.add(arg);
    argv.add(Integer.toString(group));
    argv.add(Integer.toString(params.length));
    for (String p : params) {
      argv.add(p);
    }
  }

  /** Encodes {@code requests} (each a group of one or more) as one script call. */
  static Encoded encode(List<Request[]> groups) {
    int n = 0;
    for (Request[] g : groups) {
      n += g.length;
    }
    String[] keys = new String[n];
    List<String> argv = new java.util.ArrayList<>(1 + n * 12);
    argv.add(Integer.toString(n));
    int k = 0;
    int mask = 0;
    int group = 0;
    for (Request[] g : groups) {
      int gid = g.length > 1 ? ++group : 0;
      for (Request r : g) {
        keys[k++] = r.key;
        mask |= 1 << r.code;
        r.encode(argv, gid);
      }
    }
    return new Encoded(keys, argv.toArray(new String[0]), mask);
  }

  /** A script call: its keys, arguments and the algorithms it uses. */
  record Encoded(String[] keys, String[] argv, int mask) {}
}
