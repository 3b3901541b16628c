package dev.sluice.server.http;

import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.UInt64Value;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import io.envoyproxy.envoy.type.v3.RateLimitUnit;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The proto3 JSON of {@code POST /json} for the shapes nearly every call has, without protobuf's
 * {@code JsonFormat} (which reads through Gson and reflection, and was a fifth of the server's CPU
 * per {@code /json} call): a strict parser of a {@code RateLimitRequest} and a printer of a
 * {@code RateLimitResponse}.
 *
 * <p>Each handles a subset and says when it cannot: {@link #parseRequest} returns null for any
 * body outside it, {@link #printResponse} for any response outside it, and the caller then takes
 * the general path ({@link StrictJson} and {@code JsonFormat}), which accepts, refuses or prints
 * exactly as before. Inside the subset the result is the general path's, which
 * {@code RateLimitJsonTest} checks on seeded random bodies and responses. The parser's subset:
 * ASCII bodies of one JSON object with the request's fields under either of their names
 * ({@code hitsAddend} or {@code hits_addend}), each at most once; strings without escapes;
 * integers as plain JSON numbers in the field's range; enum values by name; no {@code null}.
 * The printer's: codes and units that have names, durations of whole non-negative seconds,
 * strings of printable ASCII that JSON and {@code JsonFormat} write unescaped, response headers
 * with a key and a text value; no quota, request headers, raw body or dynamic metadata.
 */
final class RateLimitJson {

  private RateLimitJson() {}

  private static final long MAX_UINT32 = 0xFFFF_FFFFL;
  /** The largest Duration seconds protobuf's JSON printer accepts. */
  private static final long MAX_DURATION_SECONDS = 315_576_000_000L;

  // ---- parsing

  /**
   * The request in {@code body}, or null if the body is outside the subset this parser reads (it
   * may still be a valid request, or not: the general path decides).
   */
  static RateLimitRequest parseRequest(byte[] body) {
    try {
      Parser p = new Parser(body);
      RateLimitRequest r = p.request();
      p.space();
      return p.at == body.length ? r : null;
    } catch (Outside e) {
      return null;
    }
  }

  /** Thrown where the body leaves the subset; carries nothing (no stack trace). */
  private static final class Outside extends Exception {
    private static final Outside INSTANCE = new Outside();

    private Outside() {
      super(null, null, false, false);
    }
  }

  private static final class Parser {
    private static final byte[][] REQUEST_FIELDS = ascii("domain", "descriptors", "hitsAddend", "hits_addend");
    private static final byte[][] DESCRIPTOR_FIELDS = ascii("entries", "limit", "hitsAddend", "hits_addend");
    private static final byte[][] ENTRY_FIELDS = ascii("key", "value");
    private static final byte[][] LIMIT_FIELDS = ascii("requestsPerUnit", "requests_per_unit", "unit");

    private final byte[] b;
    private int at;

    Parser(byte[] b) {
      this.b = b;
    }

    RateLimitRequest request() throws Outside {
      RateLimitRequest.Builder r = RateLimitRequest.newBuilder();
      boolean domain = false;
      boolean descriptors = false;
      boolean hits = false;
      begin('{');
      if (!end('}')) {
        do {
          switch (name(REQUEST_FIELDS)) {
            case 0 -> {
              domain = once(domain);
              r.setDomain(string());
            }
            case 1 -> {
              descriptors = once(descriptors);
              begin('[');
              if (!end(']')) {
                do {
                  r.addDescriptors(descriptor());
                } while (next(']'));
              }
            }
            default -> {
              hits = once(hits);
              r.setHitsAddend((int) number(MAX_UINT32));
            }
          }
        } while (next('}'));
      }
      return r.build();
    }

    private RateLimitDescriptor descriptor() throws Outside {
      RateLimitDescriptor.Builder d = RateLimitDescriptor.newBuilder();
      boolean entries = false;
      boolean limit = false;
      boolean hits = false;
      begin('{');
      if (!end('}')) {
        do {
          switch (name(DESCRIPTOR_FIELDS)) {
            case 0 -> {
              entries = once(entries);
              begin('[');
              if (!end(']')) {
                do {
                  d.addEntries(entry());
                } while (next(']'));
              }
            }
            case 1 -> {
              limit = once(limit);
              d.setLimit(limit());
            }
            default -> {
              hits = once(hits);
              d.setHitsAddend(UInt64Value.of(number(Long.MAX_VALUE)));
            }
          }
        } while (next('}'));
      }
      return d.build();
    }

    private RateLimitDescriptor.Entry entry() throws Outside {
      RateLimitDescriptor.Entry.Builder e = RateLimitDescriptor.Entry.newBuilder();
      boolean key = false;
      boolean value = false;
      begin('{');
      if (!end('}')) {
        do {
          if (name(ENTRY_FIELDS) == 0) {
            key = once(key);
            e.setKey(string());
          } else {
            value = once(value);
            e.setValue(string());
          }
        } while (next('}'));
      }
      return e.build();
    }

    private RateLimitDescriptor.RateLimitOverride limit() throws Outside {
      RateLimitDescriptor.RateLimitOverride.Builder l = RateLimitDescriptor.RateLimitOverride.newBuilder();
      boolean rpu = false;
      boolean unit = false;
      begin('{');
      if (!end('}')) {
        do {
          switch (name(LIMIT_FIELDS)) {
            case 0, 1 -> {
              rpu = once(rpu);
              l.setRequestsPerUnit((int) number(MAX_UINT32));
            }
            default -> {
              unit = once(unit);
              EnumValueDescriptor v = RateLimitUnit.getDescriptor().findValueByName(string());
              if (v == null) {
                throw Outside.INSTANCE;
              }
              l.setUnit(RateLimitUnit.valueOf(v));
            }
          }
        } while (next('}'));
      }
      return l.build();
    }

    /** A field seen for the first time: true; a second time: outside (the general path refuses it). */
    private static boolean once(boolean seen) throws Outside {
      if (seen) {
        throw Outside.INSTANCE;
      }
      return true;
    }

    /** Skips space, then {@code open}, then space. */
    private void begin(char open) throws Outside {
      space();
      if (at >= b.length || b[at] != open) {
        throw Outside.INSTANCE;
      }
      at++;
      space();
    }

    /** Whether {@code close} is next (consumed). */
    private boolean end(char close) {
      if (at < b.length && b[at] == close) {
        at++;
        return true;
      }
      return false;
    }

    /** After a member or element: true at a comma (consumed), false at {@code close} (consumed). */
    private boolean next(char close) throws Outside {
      space();
      if (at < b.length) {
        byte c = b[at++];
        if (c == ',') {
          space();
          return true;
        }
        if (c == close) {
          return false;
        }
      }
      throw Outside.INSTANCE;
    }

    /**
     * A member's name and its colon: the index of the name in {@code names} (compared as bytes,
     * no string made); outside if it is none of them.
     */
    private int name(byte[][] names) throws Outside {
      if (at >= b.length || b[at] != '"') {
        throw Outside.INSTANCE;
      }
      int start = ++at;
      while (at < b.length && b[at] != '"') {
        at++;
      }
      if (at >= b.length) {
        throw Outside.INSTANCE;
      }
      int end = at++;
      int name = -1;
      for (int i = 0; i < names.length; i++) {
        if (Arrays.equals(b, start, end, names[i], 0, names[i].length)) {
          name = i;
          break;
        }
      }
      if (name < 0) {
        throw Outside.INSTANCE; // unknown, escaped or not ASCII: the general path
      }
      space();
      if (at >= b.length || b[at] != ':') {
        throw Outside.INSTANCE;
      }
      at++;
      space();
      return name;
    }

    private static byte[][] ascii(String... names) {
      byte[][] out = new byte[names.length][];
      for (int i = 0; i < names.length; i++) {
        out[i] = names[i].getBytes(StandardCharsets.US_ASCII);
      }
      return out;
    }

    /** A string of printable ASCII without escapes. */
    private String string() throws Outside {
      if (at >= b.length || b[at] != '"') {
        throw Outside.INSTANCE;
      }
      int start = ++at;
      while (at < b.length) {
        byte c = b[at];
        if (c == '"') {
          return new String(b, start, at++ - start, StandardCharsets.ISO_8859_1);
        }
        if (c < 0x20 || c == '\\' || c == 0x7f) { // also every non-ASCII byte (negative)
          throw Outside.INSTANCE;
        }
        at++;
      }
      throw Outside.INSTANCE;
    }

    /** A non-negative integer without sign, fraction, exponent or leading zero, at most {@code max}. */
    private long number(long max) throws Outside {
      int start = at;
      long n = 0;
      while (at < b.length && b[at] >= '0' && b[at] <= '9') {
        if (at - start == 18) {
          throw Outside.INSTANCE; // 19 digits or more: the general path
        }
        n = n * 10 + (b[at] - '0');
        at++;
      }
      if (at == start || n > max || b[start] == '0' && at - start > 1) {
        throw Outside.INSTANCE;
      }
      if (at < b.length && (b[at] == '.' || b[at] == 'e' || b[at] == 'E')) {
        throw Outside.INSTANCE;
      }
      return n;
    }

    void space() {
      while (at < b.length) {
        byte c = b[at];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
          return;
        }
        at++;
      }
    }
  }

  // ---- printing

  /**
   * The response as {@code JsonFormat.printer().omittingInsignificantWhitespace()} prints it, in
   * UTF-8 (all ASCII), or null if it is outside the subset this printer writes.
   */
  static byte[] printResponse(RateLimitResponse r) {
    if (r.getRequestHeadersToAddCount() != 0 || !r.getRawBody().isEmpty() || r.hasDynamicMetadata()
        || r.hasQuota() || r.getOverallCodeValue() < 0 || r.getOverallCode() == RateLimitResponse.Code.UNRECOGNIZED
        || !r.getUnknownFields().asMap().isEmpty()) {
      return null;
    }
    Out out = new Out(64 + 160 * r.getStatusesCount() + 64 * r.getResponseHeadersToAddCount());
    char sep = '{';
    if (r.getOverallCodeValue() != 0) {
      out.add(sep).add("\"overallCode\":\"").add(r.getOverallCode().name()).add('"');
      sep = ',';
    }
    if (r.getStatusesCount() > 0) {
      out.add(sep).add("\"statuses\":[");
      sep = ',';
      for (int i = 0; i < r.getStatusesCount(); i++) {
        if (i > 0) {
          out.add(',');
        }
        if (!status(out, r.getStatuses(i))) {
          return null;
        }
      }
      out.add(']');
    }
    if (r.getResponseHeadersToAddCount() > 0) {
      out.add(sep).add("\"responseHeadersToAdd\":[");
      sep = ',';
      for (int i = 0; i < r.getResponseHeadersToAddCount(); i++) {
        HeaderValue h = r.getResponseHeadersToAdd(i);
        if (!h.getRawValue().isEmpty() || !h.getUnknownFields().asMap().isEmpty()) {
          return null;
        }
        if (i > 0) {
          out.add(',');
        }
        char inner = '{';
        if (!h.getKey().isEmpty()) {
          if (!plain(h.getKey())) {
            return null;
          }
          out.add(inner).add("\"key\":\"").add(h.getKey()).add('"');
          inner = ',';
        }
        if (!h.getValue().isEmpty()) {
          if (!plain(h.getValue())) {
            return null;
          }
          out.add(inner).add("\"value\":\"").add(h.getValue()).add('"');
          inner = ',';
        }
        out.close(inner);
      }
      out.add(']');
    }
    out.close(sep);
    return out.bytes();
  }

  private static boolean status(Out out, DescriptorStatus s) {
    if (s.hasQuota() || s.getCode() == RateLimitResponse.Code.UNRECOGNIZED || !s.getUnknownFields().asMap().isEmpty()) {
      return false;
    }
    char sep = '{';
    if (s.getCodeValue() != 0) {
      out.add(sep).add("\"code\":\"").add(s.getCode().name()).add('"');
      sep = ',';
    }
    if (s.hasCurrentLimit()) {
      RateLimitResponse.RateLimit l = s.getCurrentLimit();
      if (l.getUnit() == RateLimitResponse.RateLimit.Unit.UNRECOGNIZED || !plain(l.getName())
          || !l.getUnknownFields().asMap().isEmpty()) {
        return false;
      }
      out.add(sep).add("\"currentLimit\":");
      sep = ',';
      char inner = '{';
      if (l.getRequestsPerUnit() != 0) {
        out.add(inner).add("\"requestsPerUnit\":").add(Integer.toUnsignedLong(l.getRequestsPerUnit()));
        inner = ',';
      }
      if (l.getUnitValue() != 0) {
        out.add(inner).add("\"unit\":\"").add(l.getUnit().name()).add('"');
        inner = ',';
      }
      if (!l.getName().isEmpty()) {
        out.add(inner).add("\"name\":\"").add(l.getName()).add('"');
        inner = ',';
      }
      out.close(inner);
    }
    if (s.getLimitRemaining() != 0) {
      out.add(sep).add("\"limitRemaining\":").add(Integer.toUnsignedLong(s.getLimitRemaining()));
      sep = ',';
    }
    if (s.hasDurationUntilReset()) {
      com.google.protobuf.Duration d = s.getDurationUntilReset();
      if (d.getNanos() != 0 || d.getSeconds() < 0 || d.getSeconds() > MAX_DURATION_SECONDS
          || !d.getUnknownFields().asMap().isEmpty()) {
        return false;
      }
      out.add(sep).add("\"durationUntilReset\":\"").add(d.getSeconds()).add("s\"");
      sep = ',';
    }
    out.close(sep);
    return true;
  }

  /** A growing buffer of ASCII bytes: what is printed is all ASCII ({@link #plain} sees to it). */
  private static final class Out {
    private byte[] b;
    private int n;

    Out(int capacity) {
      b = new byte[capacity];
    }

    Out add(char c) {
      room(1);
      b[n++] = (byte) c;
      return this;
    }

    Out add(String s) {
      int len = s.length();
      room(len);
      for (int i = 0; i < len; i++) {
        b[n++] = (byte) s.charAt(i);
      }
      return this;
    }

    /** A non-negative number in decimal. */
    Out add(long v) {
      int digits = 1;
      for (long x = v; x >= 10; x /= 10) {
        digits++;
      }
      room(digits);
      for (int i = n + digits - 1; i >= n; i--) {
        b[i] = (byte) ('0' + v % 10);
        v /= 10;
      }
      n += digits;
      return this;
    }

    /** Ends an object whose last separator was {@code sep}: {@code '{'} if it is empty. */
    void close(char sep) {
      if (sep == '{') {
        add("{}");
      } else {
        add('}');
      }
    }

    private void room(int more) {
      if (n + more > b.length) {
        b = Arrays.copyOf(b, Math.max(b.length * 2, n + more));
      }
    }

    byte[] bytes() {
      return n == b.length ? b : Arrays.copyOf(b, n);
    }
  }

  /** Whether JSON and {@code JsonFormat} (Gson, HTML-safe) write {@code s} as it is. */
  private static boolean plain(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c == '='
          || c == '\'') {
        return false;
      }
    }
    return true;
  }
}
