package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PathPatternTest {

  @ParameterizedTest(name = "{0} ~ {1}: {2}")
  @CsvSource(delimiter = '|', textBlock = """
      /                     | /                        | true
      /                     | /a                       | false
      /health               | /health                  | true
      /health               | /health/                 | true
      /health               | /Health                  | false
      /health               | /healthz                 | false
      /health               | /health/live             | false
      /health/**            | /health                  | true
      /health/**            | /health/live/deep        | true
      /health/**            | /healthz                 | false
      /users/*/orders       | /users/42/orders         | true
      /users/*/orders       | /users/orders            | false
      /users/*/orders       | /users/4/2/orders        | false
      /users/*              | /users                   | false
      /**                   | /anything/at/all         | true
      /**                   | /                        | true
      /a/**/z               | /a/z                     | true
      /a/**/z               | /a/b/c/z                 | true
      /a/**/z               | /a/b/c/y                 | false
      /a/**/*/z             | /a/b/z                   | true
      /a/**/*/z             | /a/z                     | false
      # dot segments and empty segments are resolved as a server does
      /api/**               | /health/../api/orders    | true
      /health/**            | /health/../api/orders    | false
      /api                  | //api                    | true
      /api                  | /./api/.                 | true
      /api                  | /../../api               | true
      # what a server may decode into another path: only a /** catch-all applies
      /health/**            | /health/%2e%2e/api       | false
      /health/**            | /health/%2E%2E/api       | false
      /health/**            | /health%2fapi            | false
      /health/**            | /health\\..\\api         | false
      /health/**            | /health;x=1/../api       | false
      /**                   | /health;x=1/../api       | true
      /**                   | /a%2fb                   | true
      /health/**            | /health%2Fapi            | false
      /health/**            | /health%5capi            | false
      /health/**            | /health%5Capi            | false
      /health/**            | /health/%2            | true
      /health/**            | /health/%             | true
      /api/x                | /api/x%20y               | false
      /api/**               | /api/..                  | false
      /a/...                | /a/...                   | true
      /a/.b                 | /a/.b                    | true
      /api                  | api                      | false
      """)
  void matches(String pattern, String path, boolean expected) {
    assertThat(PathPattern.parse(pattern).matches(path)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      health       | path pattern 'health' must start with /
      /a//b        | path pattern '/a//b' has an empty or dot segment
      /a/../b      | path pattern '/a/../b' has an empty or dot segment
      /a*          | path pattern '/a*' has a segment 'a*' that mixes * with text: a wildcard is a whole segment, * or **
      /a/b**       | path pattern '/a/b**' has a segment 'b**' that mixes * with text: a wildcard is a whole segment, * or **
      /a b         | path pattern '/a b' has a character not allowed in a pattern (space, control, non-ASCII, ?, #, \\, ; or %) at index 2
      /a?x=1       | path pattern '/a?x=1' has a character not allowed in a pattern (space, control, non-ASCII, ?, #, \\, ; or %) at index 2
      /a%2f        | path pattern '/a%2f' has a character not allowed in a pattern (space, control, non-ASCII, ?, #, \\, ; or %) at index 2
      """)
  void refusesBadPatterns(String pattern, String message) {
    assertThatThrownBy(() -> PathPattern.parse(pattern)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }
}
