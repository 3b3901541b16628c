package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Policy;
import dev.sluice.PolicyText;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RouteRulesTest {

  private static final Policy PER_IP_DAILY = PolicyText.parse("anon-daily", "fixed-window limit=100 period=1d");
  private static final Policy PER_CLIENT_DAILY = PolicyText.parse("client-daily", "fixed-window limit=10000 period=1d");
  private static final Policy REPORTS_IP = PolicyText.parse("reports-ip", "token-bucket capacity=5 rate=1/m");
  private static final Policy REPORTS_CLIENT = PolicyText.parse("reports-client", "token-bucket capacity=50 rate=10/m");

  /** The model user's rules, with a costly route and health endpoints left alone. */
  private static final RouteRules RULES = RouteRules.builder()
      .exclude("/health/**")
      .exclude("/metrics", "GET")
      .rule(RouteRules.rule("/api/reports/**").methods("post").anonymous(REPORTS_IP, PER_IP_DAILY)
          .authenticated(REPORTS_CLIENT, PER_CLIENT_DAILY).cost(10))
      .rule(RouteRules.rule("/**").anonymous(PER_IP_DAILY).authenticated(PER_CLIENT_DAILY))
      .build();

  static Stream<Arguments> requests() {
    return Stream.of(
        // method, path, expected rule's pattern (null: none), exclusion, cost, anonymous, authenticated
        Arguments.of("GET", "/health", "/health/**", true, 1, List.of(), List.of()),
        Arguments.of("GET", "/health/live", "/health/**", true, 1, List.of(), List.of()),
        Arguments.of("GET", "/health/../api/orders", "/**", false, 1, List.of(PER_IP_DAILY), List.of(PER_CLIENT_DAILY)),
        Arguments.of("GET", "/health/%2e%2e/api", "/**", false, 1, List.of(PER_IP_DAILY), List.of(PER_CLIENT_DAILY)),
        Arguments.of("GET", "/metrics", "/metrics", true, 1, List.of(), List.of()),
        Arguments.of("POST", "/metrics", "/**", false, 1, List.of(PER_IP_DAILY), List.of(PER_CLIENT_DAILY)),
        Arguments.of("POST", "/api/reports/7", "/api/reports/**", false, 10,
            List.of(REPORTS_IP, PER_IP_DAILY), List.of(REPORTS_CLIENT, PER_CLIENT_DAILY)),
        Arguments.of("post", "/api/reports", "/api/reports/**", false, 10,
            List.of(REPORTS_IP, PER_IP_DAILY), List.of(REPORTS_CLIENT, PER_CLIENT_DAILY)),
        Arguments.of("GET", "/api/reports/7", "/**", false, 1, List.of(PER_IP_DAILY), List.of(PER_CLIENT_DAILY)),
        Arguments.of("GET", "/", "/**", false, 1, List.of(PER_IP_DAILY), List.of(PER_CLIENT_DAILY)));
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @MethodSource("requests")
  void firstMatchingRuleDecides(String method, String path, String pattern, boolean exclusion, long cost,
      List<Policy> anonymous, List<Policy> authenticated) {
    RouteRules.Rule r = RULES.match(method, path).orElseThrow();
    assertThat(r.path()).hasToString(pattern);
    assertThat(r.exclusion()).isEqualTo(exclusion);
    assertThat(r.cost()).isEqualTo(cost);
    assertThat(r.policies(Client.Kind.ANONYMOUS)).isEqualTo(anonymous);
    assertThat(r.policies(Client.Kind.AUTHENTICATED)).isEqualTo(authenticated);
  }

  @Test
  void noRuleNoPolicy() {
    RouteRules rules = RouteRules.builder().rule(RouteRules.rule("/api/**").anonymous(PER_IP_DAILY)).build();
    assertThat(rules.match("GET", "/other")).isEmpty();
    assertThat(rules.match("GET", "/api/x")).isPresent();
  }

  @Test
  void refusesRulesThatCannotHold() {
    assertThatThrownBy(() -> RouteRules.builder().rule(RouteRules.rule("/a").cost(0)))
        .hasMessage("rule /a: cost must be at least 1 (was 0)");
    assertThatThrownBy(() -> RouteRules.builder().rule(RouteRules.rule("/a").methods("GE T")))
        .hasMessage("rule /a: method 'GE T' must be an HTTP method in upper case, e.g. GET");
    assertThatThrownBy(() -> RouteRules.builder().rule(RouteRules.rule("/a").anonymous(PER_IP_DAILY, PER_IP_DAILY)))
        .hasMessage("rule /a: the anonymous policies name 'anon-daily' twice");
    assertThatThrownBy(() -> RouteRules.rule("a")).hasMessage("path pattern 'a' must start with /");
  }
}
