package dev.sluice.server.api;

import dev.sluice.Keys;
import dev.sluice.server.http.Response;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * An RFC 9457 problem: every error of the API, answered as {@value #CONTENT_TYPE} with {@code
 * type}, {@code title}, {@code status}, {@code detail} and the members that name what went wrong
 * ({@code field} and {@code value} for bad input; {@code policy}, {@code key}, {@code limit} and
 * {@code retryAfterSeconds} for a denial). Thrown by the code that finds it and answered by the
 * route ({@link Handlers}), so that a handler reads top to bottom; it carries no stack trace.
 */
final class Problem extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The problem+json media type. */
  static final String CONTENT_TYPE = "application/problem+json";

  /** Where the problem types are explained: docs/http-api.md, one heading per type. */
  static final String TYPES = dev.sluice.http.QuotaAnswer.TYPES;

  /** The kinds of problem, each with its status and title; the type URI ends with its slug. */
  enum Type {
    MALFORMED_BODY(400, "malformed-body", "Malformed request body"),
    INVALID_FIELD(400, "invalid-field", "Invalid field"),
    WRONG_POLICY_KIND(400, "wrong-policy-kind", "Wrong policy kind for this route"),
    UNKNOWN_POLICY(404, "unknown-policy", "Unknown policy"),
    NOT_HELD(404, "not-held", "Not held"),
    UNKNOWN_DOMAIN(404, "unknown-domain", "Unknown domain"),
    NO_RULE(404, "no-rule", "No rule for this descriptor"),
    COST_EXCEEDS_LIMIT(422, "cost-exceeds-limit", "Cost exceeds the limit"),
    LIMIT_EXCEEDED(429, "limit-exceeded", "Limit exceeded"),
    STORE_UNAVAILABLE(503, "store-unavailable", "Store unavailable"),
    STORE_FULL(503, "store-full", "Store full"),
    UNAUTHORIZED(401, "unauthorized", "Unauthorized"),
    ADMIN_TOKEN_REQUIRED(403, "admin-token-required", "Admin token required"),
    INTERNAL(500, "internal-error", "Internal error");

    final int status;
    final String slug;
    final String title;

    Type(int status, String slug, String title) {
      this.status = status;
      this.slug = slug;
      this.title = title;
    }

    /** The {@code type} member: a URI ending with the slug. */
    String uri() {
      return TYPES + slug;
    }
  }

  private static final int MAX_SHOWN = 80;

  private final Type type;
  private final String detail;
  private final Map<String, Object> members;
  private final Map<String, String> headers;

  Problem(Type type, String detail) {
    this(type, detail, Map.of(), Map.of());
  }

  private Problem(Type type, String detail, Map<String, Object> members,
      Map<String, String> headers) {
    super(type.slug + ": " + detail, null, false, false);
    this.type = type;
    this.detail = detail;
    this.members = members;
    this.headers = headers;
  }

  /** Bad input: {@code field} holds {@code value}, and {@code detail} says why that is wrong. */
  static Problem invalid(String field, Object value, String detail) {
    return new Problem(Type.INVALID_FIELD, detail).with("field", field).with("value", shown(value));
  }

  /**
   * A value as a problem shows it: a string as {@link Keys#printable} shortens and escapes it, an
   * array or object as its JSON text when that is short, else shortened to a string.
   */
  static Object shown(Object value) {
    if (value instanceof String s) {
      return Keys.printable(s);
    }
    if (value instanceof JsonNode n) {
      if (n.isString()) {
        return Keys.printable(n.stringValue());
      }
      if (n.isContainer()) {
        String text = n.toString();
        return text.length() <= MAX_SHOWN ? n : text.substring(0, MAX_SHOWN) + "...";
      }
    }
    return value;
  }

  /** This problem with one more member (after those it has; one of the same name is replaced). */
  Problem with(String member, Object value) {
    Map<String, Object> more = new LinkedHashMap<>(members);
    more.put(member, value);
    return new Problem(type, detail, Collections.unmodifiableMap(more), headers);
  }

  /** This problem with one more response header. */
  Problem header(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new Problem(type, detail, members, Collections.unmodifiableMap(more));
  }

  /** The JSON object, members in the order type, title, status, detail, then the others. */
  Map<String, Object> body() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", type.uri());
    body.put("title", type.title);
    body.put("status", type.status);
    body.put("detail", detail);
    body.putAll(members);
    return body;
  }

  /** The HTTP response. */
  Response response() {
    Response r = Response.of(type.status, CONTENT_TYPE, Json.write(body()));
    for (Map.Entry<String, String> h : headers.entrySet()) {
      r = r.withHeader(h.getKey(), h.getValue());
    }
    return r;
  }
}
