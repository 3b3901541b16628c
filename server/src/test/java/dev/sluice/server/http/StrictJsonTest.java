package dev.sluice.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.server.RequestException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link StrictJson}: RFC 8259 objects only, one per body, each name once. */
class StrictJsonTest {

  @ParameterizedTest
  @ValueSource(strings = {
      "{}",
      " \t\r\n{ } \n",
      "{\"a\":1,\"b\":-0.5e+10,\"c\":[true,false,null,\"x\",{}],\"d\":{\"a\":1}}",
      "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00 \u00e9\"}",
      "{\"a\":0,\"b\":1E5,\"c\":2.25}",
      "{\"a\":1, \"\\u0062\":2}",
  })
  void accepts(String json) {
    assertThatCode(() -> StrictJson.check(json)).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"a\":1,}                 | line 1 column 8: expected a field name in double quotes, found '}'",
      "{\"a\":[1,]}               | line 1 column 9: expected a value, found ']'",
      "{\"a\":01}                 | line 1 column 7: expected , or } after a field, found '1'",
      "{\"a\":1.}                 | expected a digit after the decimal point",
      "{\"a\":1e}                 | expected a digit in the exponent",
      "{\"a\":-}                  | invalid number: expected a digit",
      "{\"a\":NaN}                | expected a value, found 'N'",
      "{\"a\":tru}                | expected a value, found 't'",
      "{\"a\":\"\\x\"}            | invalid escape \\x",
      "{\"a\":\"\\u12G4\"}        | invalid \\u escape: expected four hex digits",
      "{\"a\":\"open              | unexpected end inside a string",
      "{\"a\" 1}                  | expected : after a field name, found '1'",
      "{\"a\":1 \"b\":2}          | expected , or } after a field, found '\"'",
      "{\"a\":1} x              | line 1 column 9: data after the object",
      "{\"a\":1, \"\\u0061\":2}   | duplicate field \"a\"",
      "{\"x\":{\"a\":1,\"a\":2}}  | line 1 column 13: duplicate field \"a\"",
      "/* c */ {}                 | expected a JSON object, found '/'",
      "\"a\"                      | must be a JSON object, not a string",
      "12                         | must be a JSON object, not a number",
      "true                       | must be a JSON object, not a boolean",
  })
  void rejectsNaming(String json, String message) {
    assertThatThrownBy(() -> StrictJson.check(json.strip()))
        .isInstanceOf(RequestException.class)
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(((RequestException) e).kind())
            .isEqualTo(RequestException.Kind.INVALID_ARGUMENT));
  }

  @Test
  void linesAndColumnsCountFromOne() {
    assertThatThrownBy(() -> StrictJson.check("{\"a\":1}\n\n x"))
        .hasMessage("malformed JSON at line 3 column 2: data after the object");
  }

  @Test
  void controlCharacterInAStringIsRejected() {
    assertThatThrownBy(() -> StrictJson.check("{\"a\":\"x\u0001\"}"))
        .hasMessageContaining("control character U+0001 inside a string");
  }

  @Test
  void nestingIsBounded() {
    int n = StrictJson.MAX_DEPTH - 1; // the object is the first level
    String ok = "{\"a\":" + "[".repeat(n) + "]".repeat(n) + "}";
    assertThatCode(() -> StrictJson.check(ok)).doesNotThrowAnyException();
    String deep = "{\"a\":" + "[".repeat(n + 1) + "]".repeat(n + 1) + "}";
    assertThatThrownBy(() -> StrictJson.check(deep))
        .hasMessageContaining("nested deeper than 64 levels");
  }
}
