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
          String name = name();
          switch (name) {
            case "domain" -> {
              domain = once(domain);
              r.setDomain(string());
            }
            case "descriptors" -> {
              descriptors = once(descriptors);
              begin('[');
              if (!end(']')) {
                do {
                  r.addDescriptors(descriptor());
                } while (next(']'));
              }
            }
            case "hitsAddend", "hits_addend" -> {
              hits = once(hits);
              r.setHitsAddend((int) number(MAX_UINT32));
            }
            default -> throw Outside.INSTANCE;
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
          String name = name();
          switch (name) {
            case "entries" -> {
              entries = once(entries);
              begin('[');
              if (!end(']')) {
                do {
                  d.addEntries(entry());
                } while (next(']'));
              }
            }
            case "limit" -> {
              limit = once(limit);
              d.setLimit(limit());
            }
            case "hitsAddend", "hits_addend" -> {
              hits = once(hits);
              d.setHitsAddend(UInt64Value.of(number(Long.MAX_VALUE)));
            }
            default -> throw Outside.INSTANCE;
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
          String name = name();
          switch (name) {
            case "key" -> {
              key = once(key);
              e.setKey(string());
            }
            case "value" -> {
              value = once(value);
              e.setValue(string());
            }
            default -> throw Outside.INSTANCE;
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
          String name = name();
          switch (name) {
            case "requestsPerUnit", "requests_per_unit" -> {
              rpu = once(rpu);
              l.setRequestsPerUnit((int) number(MAX_UINT32));
            }
            case "unit" -> {
              unit = once(unit);
              EnumValueDescriptor v = RateLimitUnit.getDescriptor().findValueByName(string());
              if (v == null) {
                throw Outside.INSTANCE;
              }
              l.setUnit(RateLimitUnit.valueOf(v));
            }
            default -> throw Outside.INSTANCE;
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

    /** A member's name and its colon. */
    private String name() throws Outside {
      String name = string();
      space();
      if (at >= b.length || b[at] != ':') {
        throw Outside.INSTANCE;
      }
      at++;
      space();
      return name;
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
   * The response as {@code JsonFormat.printer().omittingInsignificantWhitespace()} prints it, or
   * null if it is outside the subset this printer writes.
   */
  static String printResponse(RateLimitResponse r) {
    if (r.getRequestHeadersToAddCount() != 0 || !r.getRawBody().isEmpty() || r.hasDynamicMetadata()
        || r.hasQuota() || r.getOverallCodeValue() < 0 || r.getOverallCode() == RateLimitResponse.Code.UNRECOGNIZED
        || !r.getUnknownFields().asMap().isEmpty()) {
      return null;
    }
    StringBuilder out = new StringBuilder(64 + 160 * r.getStatusesCount());
    char sep = '{';
    if (r.getOverallCodeValue() != 0) {
      out.append(sep).append("\"overallCode\":\"").append(r.getOverallCode().name()).append('"');
      sep = ',';
    }
    if (r.getStatusesCount() > 0) {
      out.append(sep).append("\"statuses\":[");
      sep = ',';
      for (int i = 0; i < r.getStatusesCount(); i++) {
        if (i > 0) {
          out.append(',');
        }
        if (!status(out, r.getStatuses(i))) {
          return null;
        }
      }
      out.append(']');
    }
    if (r.getResponseHeadersToAddCount() > 0) {
      out.append(sep).append("\"responseHeadersToAdd\":[");
      sep = ',';
      for (int i = 0; i < r.getResponseHeadersToAddCount(); i++) {
        HeaderValue h = r.getResponseHeadersToAdd(i);
        if (!h.getRawValue().isEmpty() || !h.getUnknownFields().asMap().isEmpty()) {
          return null;
        }
        if (i > 0) {
          out.append(',');
        }
        char inner = '{';
        if (!h.getKey().isEmpty()) {
          if (!plain(h.getKey())) {
            return null;
          }
          out.append(inner).append("\"key\":\"").append(h.getKey()).append('"');
          inner = ',';
        }
        if (!h.getValue().isEmpty()) {
          if (!plain(h.getValue())) {
            return null;
          }
          out.append(inner).append("\"value\":\"").append(h.getValue()).append('"');
          inner = ',';
        }
        out.append(inner == '{' ? "{}" : "}");
      }
      out.append(']');
    }
    out.append(sep == '{' ? "{}" : "}");
    return out.toString();
  }

  private static boolean status(StringBuilder out, DescriptorStatus s) {
    if (s.hasQuota() || s.getCode() == RateLimitResponse.Code.UNRECOGNIZED || !s.getUnknownFields().asMap().isEmpty()) {
      return false;
    }
    char sep = '{';
    if (s.getCodeValue() != 0) {
      out.append(sep).append("\"code\":\"").append(s.getCode().name()).append('"');
      sep = ',';
    }
    if (s.hasCurrentLimit()) {
      RateLimitResponse.RateLimit l = s.getCurrentLimit();
      if (l.getUnit() == RateLimitResponse.RateLimit.Unit.UNRECOGNIZED || !plain(l.getName())
          || !l.getUnknownFields().asMap().isEmpty()) {
        return false;
      }
      out.append(sep).append("\"currentLimit\":");
      sep = ',';
      char inner = '{';
      if (l.getRequestsPerUnit() != 0) {
        out.append(inner).append("\"requestsPerUnit\":").append(Integer.toUnsignedString(l.getRequestsPerUnit()));
        inner = ',';
      }
      if (l.getUnitValue() != 0) {
        out.append(inner).append("\"unit\":\"").append(l.getUnit().name()).append('"');
        inner = ',';
      }
      if (!l.getName().isEmpty()) {
        out.append(inner).append("\"name\":\"").append(l.getName()).append('"');
        inner = ',';
      }
      out.append(inner == '{' ? "{}" : "}");
    }
    if (s.getLimitRemaining() != 0) {
      out.append(sep).append("\"limitRemaining\":").append(Integer.toUnsignedString(s.getLimitRemaining()));
      sep = ',';
    }
    if (s.hasDurationUntilReset()) {
      com.google.protobuf.Duration d = s.getDurationUntilReset();
      if (d.getNanos() != 0 || d.getSeconds() < 0 || d.getSeconds() > MAX_DURATION_SECONDS
          || !d.getUnknownFields().asMap().isEmpty()) {
        return false;
      }
      out.append(sep).append("\"durationUntilReset\":\"").append(d.getSeconds()).append("s\"");
      sep = ',';
    }
    out.append(sep == '{' ? "{}" : "}");
    return true;
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
