package dev.sluice.server.http;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One HTTP answer: a status, a content type, extra headers and a body. Immutable; the listener
 * adds {@code Content-Length} and the connection headers itself.
 */
public final class Response {

  /** {@code text/plain; charset=utf-8}, as Go's {@code http.Error} and content sniffing say it. */
  public static final String TEXT = "text/plain; charset=utf-8";
  /** {@code application/json}, as envoyproxy/ratelimit's {@code /json} says it. */
  public static final String JSON = "application/json";

  private final int status;
  private final String contentType;
  private final Map<String, String> headers;
  private final byte[] body;

  private Response(int status, String contentType, Map<String, String> headers, byte[] body) {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status (" + status + ") must be in [100, 599]");
    }
    if (contentType != null && contentType != JSON && contentType != TEXT) { // the constants are valid
      checkValue("contentType", contentType);
    }
    this.status = status;
    this.contentType = contentType;
    this.headers = headers;
    this.body = body;
  }

  /** A {@value #TEXT} response; {@code text} is encoded as UTF-8. */
  public static Response text(int status, String text) {
    return of(status, TEXT, text);
  }

  /** An {@value #JSON} response; {@code json} is sent as given, encoded as UTF-8. */
  public static Response json(int status, String json) {
    return of(status, JSON, json);
  }

  /** An {@value #JSON} response of {@code body}, which the caller gives away: not copied. */
  static Response jsonBytes(int status, byte[] body) {
    return new Response(status, JSON, Map.of(), body);
  }

  /** A response with {@code contentType} and {@code body} encoded as UTF-8. */
  public static Response of(int status, String contentType, String body) {
    return new Response(status, Objects.requireNonNull(contentType, "contentType"), Map.of(),
        body.getBytes(StandardCharsets.UTF_8));
  }

  /** A response with {@code contentType} and a copy of {@code body}. */
  public static Response of(int status, String contentType, byte[] body) {
    return new Response(status, Objects.requireNonNull(contentType, "contentType"), Map.of(),
        body.clone());
  }

  /** A response with no body and no content type. */
  public static Response empty(int status) {
    return new Response(status, null, Map.of(), new byte[0]);
  }

  /**
   * This response with one more header; a header of the same name is replaced.
   *
   * @throws IllegalArgumentException if the name is not an HTTP token or the value holds a
   *     control character (a CR or LF would split the response)
   */
  public Response withHeader(String name, String value) {
    checkName(name);
    checkValue(name, value);
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new Response(status, contentType, Collections.unmodifiableMap(more), body);
  }

  /** The status code. */
  public int status() {
    return status;
  }

  /** The content type, or {@code null} for none. */
  public String contentType() {
    return contentType;
  }

  /** The extra headers, in the order they were added. */
  public Map<String, String> headers() {
    return headers;
  }

  /** A copy of the body. */
  public byte[] body() {
    return body.clone();
  }

  /** The body itself, for the listener: never modified. */
  byte[] bodyBytes() {
    return body;
  }

  @Override
  public String toString() {
    return "Response[" + status + ", " + contentType + ", " + headers + ", " + body.length
        + " bytes]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Response r && status == r.status
        && Objects.equals(contentType, r.contentType) && headers.equals(r.headers)
        && Arrays.equals(body, r.body);
  }

  @Override
  public int hashCode() {
    return Objects.hash(status, contentType, headers, Arrays.hashCode(body));
  }

  private static void checkName(String name) {
    if (name.isEmpty()) {
      throw new IllegalArgumentException("header name must not be empty");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean token = c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
      if (!token) {
        throw new IllegalArgumentException("header name \"" + name + "\" has a character that is"
            + " not allowed in an HTTP token at index " + i);
      }
    }
  }

  private static void checkValue(String name, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
        throw new IllegalArgumentException("value of " + name + " has a control or non-Latin-1"
            + " character at index " + i);
      }
    }
  }
}
