package dev.sluice.server.http;

import dev.sluice.server.RequestException;
import java.util.HashSet;
import java.util.Set;

/**
 * Checks that a body is one strict JSON object (RFC 8259) before protobuf's {@code JsonFormat}
 * reads it. {@code JsonFormat} parses leniently (single quotes, unquoted names, comments, data
 * after the object, a repeated name where the last one wins); Go's {@code protojson}, which
 * envoyproxy/ratelimit uses, rejects all of those, and so do we. A repeated name matters most:
 * it is the classic way to make two parsers read two different requests from one body.
 *
 * <p>A recursive descent over the characters, no values kept except the names of the object
 * being read; nesting is bounded by {@link #MAX_DEPTH}. Errors name the line and column.
 */
final class StrictJson {

  /** Deeper than any RateLimitRequest needs (it nests about five levels). */
  static final int MAX_DEPTH = 64;

  private final String text;
  private int at;

  private StrictJson(String text) {
    this.text = text;
  }

  /**
   * Checks {@code json}.
   *
   * @throws RequestException (invalid argument) naming the problem and where it is
   */
  static void check(String json) throws RequestException {
    StrictJson s = new StrictJson(json);
    s.space();
    if (s.peek() != '{') {
      String what = s.describe();
      throw what == null ? s.error("expected a JSON object, found " + quote(s.peek()))
          : RequestException.invalid("request body must be a JSON object, not " + what);
    }
    s.value(0);
    s.space();
    if (s.at < json.length()) {
      throw s.error("data after the object");
    }
  }

  private void value(int depth) throws RequestException {
    switch (peek()) {
      case '{' -> object(depth + 1);
      case '[' -> array(depth + 1);
      case '"' -> string(null);
      case 't' -> literal("true");
      case 'f' -> literal("false");
      case 'n' -> literal("null");
      default -> {
        char c = peek();
        if (c == '-' || (c >= '0' && c <= '9')) {
          number();
        } else {
          throw error(at == text.length() ? "unexpected end, expected a value"
              : "expected a value, found " + quote(c));
        }
      }
    }
  }

  private void object(int depth) throws RequestException {
    deeper(depth);
    at++; // {
    space();
    if (peek() == '}') {
      at++;
      return;
    }
    Set<String> names = new HashSet<>();
    while (true) {
      if (peek() != '"') {
        throw error(at == text.length() ? "unexpected end, expected a field name"
            : "expected a field name in double quotes, found " + quote(peek()));
      }
      int nameAt = at;
      StringBuilder name = new StringBuilder();
      string(name);
      if (!names.add(name.toString())) {
        at = nameAt;
        throw error("duplicate field \"" + name + "\"");
      }
      space();
      expect(':', "after a field name");
      space();
      value(depth);
      space();
      if (peek() == ',') {
        at++;
        space();
      } else if (peek() == '}') {
        at++;
        return;
      } else {
        throw error(at == text.length() ? "unexpected end, expected , or }"
            : "expected , or } after a field, found " + quote(peek()));
      }
    }
  }

  private void array(int depth) throws RequestException {
    deeper(depth);
    at++; // [
    space();
    if (peek() == ']') {
      at++;
      return;
    }
    while (true) {
      value(depth);
      space();
      if (peek() == ',') {
        at++;
        space();
      } else if (peek() == ']') {
        at++;
        return;
      } else {
        throw error(at == text.length() ? "unexpected end, expected , or ]"
            : "expected , or ] after an element, found " + quote(peek()));
      }
    }
  }

  /** Reads a string; appends its decoded value to {@code into} when not null. */
  private void string(StringBuilder into) throws RequestException {
    at++; // "
    while (true) {
      if (at >= text.length()) {
        throw error("unexpected end inside a string");
      }
      char c = text.charAt(at);
      if (c == '"') {
        at++;
        return;
      }
      if (c < 0x20) {
        throw error("control character " + quote(c) + " inside a string (escape it)");
      }
      if (c != '\\') {
        if (into != null) {
          into.append(c);
        }
        at++;
        continue;
      }
      if (at + 1 >= text.length()) {
        throw error("unexpected end inside a string");
      }
      char e = text.charAt(at + 1);
      char decoded;
      switch (e) {
        case '"', '\\', '/' -> decoded = e;
        case 'b' -> decoded = '\b';
        case 'f' -> decoded = '\f';
        case 'n' -> decoded = '\n';
        case 'r' -> decoded = '\r';
        case 't' -> decoded = '\t';
        case 'u' -> {
          decoded = 0;
          for (int i = 2; i < 6; i++) {
            int digit = at + i < text.length() ? Character.digit(text.charAt(at + i), 16) : -1;
            if (digit < 0) {
              throw error("invalid \\u escape: expected four hex digits");
            }
            decoded = (char) (decoded * 16 + digit);
          }
          at += 4;
        }
        default -> throw error("invalid escape \\" + e);
      }
      if (into != null) {
        into.append(decoded);
      }
      at += 2;
    }
  }

  private void number() throws RequestException {
    if (peek() == '-') {
      at++;
    }
    if (peek() == '0') {
      at++;
    } else if (!digits()) {
      throw error("invalid number: expected a digit");
    }
    if (peek() == '.') {
      at++;
      if (!digits()) {
        throw error("invalid number: expected a digit after the decimal point");
      }
    }
    if (peek() == 'e' || peek() == 'E') {
      at++;
      if (peek() == '+' || peek() == '-') {
        at++;
      }
      if (!digits()) {
        throw error("invalid number: expected a digit in the exponent");
      }
    }
  }

  private boolean digits() {
    int start = at;
    while (peek() >= '0' && peek() <= '9') {
      at++;
    }
    return at > start;
  }

  private void literal(String word) throws RequestException {
    if (!text.startsWith(word, at)) {
      throw error("expected a value, found " + quote(peek()));
    }
    at += word.length();
  }

  private void expect(char c, String where) throws RequestException {
    if (peek() != c) {
      throw error(at == text.length() ? "unexpected end, expected " + c + " " + where
          : "expected " + c + " " + where + ", found " + quote(peek()));
    }
    at++;
  }

  private void deeper(int depth) throws RequestException {
    if (depth > MAX_DEPTH) {
      throw error("nested deeper than " + MAX_DEPTH + " levels");
    }
  }

  private void space() {
    while (at < text.length()) {
      char c = text.charAt(at);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      at++;
    }
  }

  /** The character at the cursor, or 0 at the end. */
  private char peek() {
    return at < text.length() ? text.charAt(at) : 0;
  }

  /** What JSON value starts at the cursor, or {@code null} when none can. */
  private String describe() {
    char c = peek();
    return switch (c) {
      case '[' -> "an array";
      case '"' -> "a string";
      case 't', 'f' -> "a boolean";
      case 'n' -> "null";
      default -> c == '-' || (c >= '0' && c <= '9') ? "a number" : null;
    };
  }

  private static String quote(char c) {
    if (c >= 0x20 && c < 0x7f) {
      return "'" + c + "'";
    }
    return String.format("U+%04X", (int) c);
  }

  private RequestException error(String what) {
    int line = 1;
    int lineStart = 0;
    for (int i = 0; i < at && i < text.length(); i++) {
      if (text.charAt(i) == '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    return RequestException.invalid("malformed JSON at line " + line + " column "
        + (at - lineStart + 1) + ": " + what);
  }
}
