package dev.sluice.server.api;

import static dev.sluice.server.api.ApiServer.header;
import static dev.sluice.server.api.ApiServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * Bad input on every route of the API: a problem+json naming the field and the value, with the
 * status of its kind, and nothing charged.
 */
class BadInputTest {

  static final String TYPES = CheckApiTest.TYPES;
  static final String MAX = "9223372036854775807";
  static final String ID = "00000000000000ff";

  @TempDir
  static Path tmp;
  static ApiServer s;

  @BeforeAll
  static void start() throws Exception {
    s = ApiServer.start(ApiServer.Kind.MEMORY, tmp);
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  /** {path, body, status, type, field (null: none), value as JSON (null: none), detail (null: any)}. */
  static Stream<Arguments> cases() {
    String longKey = "k".repeat(513);
    return Stream.of(
        // the body itself
        Arguments.of("/v1/check", "", 400, "malformed-body", null, null,
            "the request body is empty: expected a JSON object"),
        Arguments.of("/v1/check", "[1]", 400, "malformed-body", null, null,
            "the request body must be a JSON object, not an array"),
        Arguments.of("/v1/check", "{\"key\":\"a\",\"key\":\"b\",\"policies\":[\"api\"]}", 400, "malformed-body",
            null, null, null),
        Arguments.of("/v1/check", "{\"key\":\"a\",\"policies\":[\"api\"]} {}", 400, "malformed-body", null, null,
            null),
        Arguments.of("/v1/check", "{'key':'a'}", 400, "malformed-body", null, null, null),
        // fields of /v1/check
        Arguments.of("/v1/check", "{\"key\":\"a\",\"policies\":[\"api\"],\"cots\":2}", 400, "invalid-field", "cots",
            "2", "field 'cots' is not a field of this request; its fields are key, policies, cost"),
        Arguments.of("/v1/check", "{\"policies\":[\"api\"]}", 400, "invalid-field", "key", "null",
            "field 'key' is missing"),
        Arguments.of("/v1/check", "{\"key\":\"\",\"policies\":[\"api\"]}", 400, "invalid-field", "key", "\"\"",
            "field 'key': key '' must be 1 to 512 characters (was 0)"),
        Arguments.of("/v1/check", "{\"key\":\"" + longKey + "\",\"policies\":[\"api\"]}", 400, "invalid-field",
            "key", "\"" + "k".repeat(40) + "...\"", "field 'key': key '" + "k".repeat(40)
                + "...' must be 1 to 512 characters (was 513)"),
        Arguments.of("/v1/check", "{\"key\":\"a\\ud800b\",\"policies\":[\"api\"]}", 400, "invalid-field", "key",
            "\"a\\\\uD800b\"", "field 'key': key 'a\\uD800b' is not well-formed UTF-16: lone surrogate U+D800 at index 1"),
        Arguments.of("/v1/check", "{\"key\":42,\"policies\":[\"api\"]}", 400, "invalid-field", "key", "42",
            "field 'key' must be a string, not a number"),
        Arguments.of("/v1/check", "{\"key\":\"a\",\"policies\":[]}", 400, "invalid-field", "policies", "[]",
            "field 'policies' must hold 1 to 16 names (held 0)"),
        Arguments.of("/v1/check", "{\"key\":\"a\",\"policies\":\"api\"}", 400, "invalid-field", "policies",
            "\"api\"", "field 'policies' must be an array of strings, not a string"),
        Arguments.of("/v1/check", "{\"key\":\"a\",\"policies\":[\"api\",\"api\"]}", 400, "invalid-field",
            "policies[1]", "\"api\"", "field 'policies[1]' ('api') repeats policies[0]"),
        Arguments.of("/v1/check", "{\"key\":\"a\",\"policies\":[7]}", 400, "invalid-field", "policies[0]", "7",
            "field 'policies[0]' must be a string, not a number"),
        Arguments.of("/v1/check", "{\"key\":\"a\",\"policies\":[\"api\"],\"cost\":-1}", 400, "invalid-field", "cost",
            "-1", "field 'cost' (-1) must be an integer from 0 to " + MAX),
        Arguments.of("/v1/check", "{\"key\":\"a\",\"policies\":[\"api\"],\"cost\":9223372036854775808}", 400,
            "invalid-field", "cost", "9223372036854775808",
            "field 'cost' (9223372036854775808) must be an integer from 0 to " + MAX),
        Arguments.of("/v1/check", "{\"key\":\"a\",\"policies\":[\"api\"],\"cost\":1.5}", 400, "invalid-field", "cost",
            "1.5", "field 'cost' (1.5) must be an integer from 0 to " + MAX + ", not a fraction or exponent"),
        Arguments.of("/v1/check", "{\"key\":\"a\",\"policies\":[\"api\"],\"cost\":\"1\"}", 400, "invalid-field",
            "cost", "\"1\"", "field 'cost' must be an integer from 0 to " + MAX + ", not a string"),
        Arguments.of("/v1/check", "{\"key\":\"a\",\"policies\":[\"api\"],\"cost\":null}", 400, "invalid-field",
            "cost", "null", "field 'cost' must be an integer from 0 to " + MAX + ", not null"),
        Arguments.of("/v1/check", "{\"key\":\"a\",\"policies\":[\"api\",\"nope\"]}", 404, "unknown-policy",
            "policies[1]", "\"nope\"",
            "field 'policies[1]' names policy 'nope', which is not configured; the policies are api, burst, daily, jobs"),
        Arguments.of("/v1/check/peek", "{\"key\":\"a\",\"policies\":[\"api\",\"jobs\"]}", 400, "wrong-policy-kind",
            "policies[1]", "\"jobs\"", "field 'policies[1]' names policy 'jobs', a concurrency policy, which this"
                + " route does not take: its slots are taken with POST /v1/leases/acquire"),
        // leases
        Arguments.of("/v1/leases/acquire", "{\"policy\":\"api\",\"key\":\"a\"}", 400, "wrong-policy-kind", "policy",
            "\"api\"", "field 'policy' names policy 'api', a rate policy, which this route does not take: it is"
                + " checked and charged with POST /v1/check"),
        Arguments.of("/v1/leases/acquire", "{\"policy\":\"jobs\",\"key\":\"a\",\"slots\":0}", 400, "invalid-field",
            "slots", "0", "field 'slots' (0) must be an integer from 1 to " + MAX),
        Arguments.of("/v1/leases/renew", "{\"policy\":\"jobs\",\"key\":\"a\",\"id\":\"xyz\"}", 400, "invalid-field",
            "id", "\"xyz\"", "field 'id' ('xyz') is not an id as the server hands them out: 16 hex digits"),
        Arguments.of("/v1/leases/release", "{\"policy\":\"jobs\",\"key\":\"a\",\"id\":\"0000000000000000\"}", 400,
            "invalid-field", "id", "\"0000000000000000\"", null),
        Arguments.of("/v1/leases/release", "{\"policy\":\"jobs\",\"key\":\"a\",\"id\":\"ffffffffffffffff\"}", 400,
            "invalid-field", "id", "\"ffffffffffffffff\"", null),
        Arguments.of("/v1/leases/release", "{\"policy\":\"jobs\",\"key\":\"a\",\"id\":255}", 400,
            "invalid-field", "id", "255", "field 'id' must be a string, not a number"),
        Arguments.of("/v1/leases/renew", "{\"policy\":\"jobs\",\"id\":\"" + ID + "\"}", 400, "invalid-field", "key",
            "null", "field 'key' is missing"),
        // budgets
        Arguments.of("/v1/budgets/record", "{\"policy\":\"daily\",\"key\":\"a\",\"cost\":-5}", 400, "invalid-field",
            "cost", "-5", "field 'cost' (-5) must be an integer from 0 to " + MAX),
        Arguments.of("/v1/budgets/record", "{\"policy\":\"daily\",\"key\":\"a\"}", 400, "invalid-field", "cost",
            "null", "field 'cost' is missing"),
        Arguments.of("/v1/budgets/reserve", "{\"policy\":\"daily\",\"key\":\"a\",\"estimate\":0}", 400,
            "invalid-field", "estimate", "0", "field 'estimate' (0) must be an integer from 1 to " + MAX),
        Arguments.of("/v1/budgets/settle", "{\"policy\":\"daily\",\"key\":\"a\",\"id\":\"" + ID + "\",\"actual\":-1}",
            400, "invalid-field", "actual", "-1", "field 'actual' (-1) must be an integer from 0 to " + MAX),
        Arguments.of("/v1/budgets/cancel", "{\"policy\":\"jobs\",\"key\":\"a\",\"id\":\"" + ID + "\"}", 400,
            "wrong-policy-kind", "policy", "\"jobs\"", null),
        Arguments.of("/v1/budgets/usage", "{\"policy\":\"api\",\"key\":\"a\"}", 400, "wrong-policy-kind", "policy",
            "\"api\"", null),
        Arguments.of("/v1/budgets/usage", "{\"policy\":\"nope\",\"key\":\"a\"}", 404, "unknown-policy", "policy",
            "\"nope\"", null),
        Arguments.of("/v1/budgets/check", "{\"policy\":\"daily\",\"key\":\"a\",\"cost\":1e3}", 400, "invalid-field",
            "cost", "1000.0", null));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void isAProblemNamingTheFieldAndValueAndChargesNothing(String path, String body, int status, String type,
      String field, String value, String detail) throws Exception {
    HttpResponse<String> r = s.post(path, body);

    assertThat(r.statusCode()).isEqualTo(status);
    assertThat(header(r, "content-type")).isEqualTo("application/problem+json");
    JsonNode p = json(r);
    assertThat(p.get("type").stringValue()).isEqualTo(TYPES + type);
    assertThat(p.get("status").intValue()).isEqualTo(status);
    assertThat(p.get("title").isString()).isTrue();
    if (detail != null) {
      assertThat(p.get("detail").stringValue()).isEqualTo(detail);
    }
    if (field != null) {
      assertThat(p.get("field").stringValue()).isEqualTo(field);
      assertThat(p.get("value").toString()).isEqualTo(value);
    }
    for (String policy : ApiServer.SPECS.keySet()) {
      assertThat(s.state(policy, "a").used()).as(policy).isZero();
    }
  }

  @Test
  void oneProblemExactly() throws Exception {
    HttpResponse<String> r = s.post("/v1/check", "{\"key\":\"a\",\"policies\":[\"api\"],\"cost\":-1}");
    assertThat(r.body()).isEqualTo("{\"type\":\"" + TYPES + "invalid-field\",\"title\":\"Invalid field\","
        + "\"status\":400,\"detail\":\"field 'cost' (-1) must be an integer from 0 to " + MAX + "\","
        + "\"field\":\"cost\",\"value\":-1}");
  }

  @Test
  void malformedJsonNamesLineAndColumn() throws Exception {
    HttpResponse<String> r = s.post("/v1/check", "{\"key\":\"a\",\n \"key\":\"b\"}");
    assertThat(json(r).get("detail").stringValue())
        .startsWith("the request body is not valid JSON at line 2 column ")
        .contains("Duplicate");
  }

  @Test
  void unknownRoutesAndMethodsAreTheListenersAnswers() throws Exception {
    assertThat(s.post("/v1/nope", "{}").statusCode()).isEqualTo(404);
    HttpResponse<String> get = s.get("/v1/check");
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(header(get, "Allow")).isEqualTo("POST");
  }
}
