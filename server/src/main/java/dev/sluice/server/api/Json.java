package dev.sluice.server.api;

import dev.sluice.server.http.Request;
import dev.sluice.server.http.Response;
import java.nio.charset.CharacterCodingException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.json.JsonWriteFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one JSON mapper of the API: strict in (RFC 8259 only: no comments, no single quotes, a
 * repeated name or data after the value refused, as {@code POST /json} refuses them), plain out
 * (slashes not escaped, so problem types read as URIs).
 */
final class Json {

  private static final JsonMapper MAPPER = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(JsonWriteFeature.ESCAPE_FORWARD_SLASHES)
      .build();

  private Json() {}

  /**
   * The body of {@code request} as one JSON value.
   *
   * @throws Problem (malformed body) for a body that is empty, not UTF-8 or not JSON, naming the
   *     line and column
   */
  static JsonNode read(Request request) {
    String text;
    try {
      text = request.bodyUtf8();
    } catch (CharacterCodingException e) {
      throw new Problem(Problem.Type.MALFORMED_BODY, "the request body is not valid UTF-8");
    }
    if (text.isBlank()) {
      throw new Problem(Problem.Type.MALFORMED_BODY,
          "the request body is empty: expected a JSON object");
    }
    try {
      return MAPPER.readTree(text);
    } catch (JacksonException e) {
      TokenStreamLocation at = e.getLocation();
      String where = at == null || at.getLineNr() < 1 ? ""
          : " at line " + at.getLineNr() + " column " + at.getColumnNr();
      throw new Problem(Problem.Type.MALFORMED_BODY,
          "the request body is not valid JSON" + where + ": " + firstLine(e.getOriginalMessage()));
    }
  }

  /** {@code value} (maps, lists, strings, numbers, booleans, null) as JSON text. */
  static String write(Object value) {
    return MAPPER.writeValueAsString(value);
  }

  /** A 200 (or other) {@value Response#JSON} response of {@code value}. */
  static Response response(int status, Object value) {
    return Response.json(status, write(value));
  }

  private static String firstLine(String message) {
    String m = String.valueOf(message);
    int newline = m.indexOf('\n');
    m = newline < 0 ? m : m.substring(0, newline);
    return m.length() <= 200 ? m : m.substring(0, 200) + "...";
  }
}
