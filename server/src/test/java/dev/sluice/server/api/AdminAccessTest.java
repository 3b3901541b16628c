package dev.sluice.server.api;

import static dev.sluice.server.api.ApiServer.header;
import static dev.sluice.server.api.ApiServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may call the admin API: on loopback anyone unless a token is set; elsewhere only with the
 * token, and nobody when none is set. Checked over HTTP on every admin route (the listener itself
 * is on loopback; the rule is that of the address given to {@link AdminAccess#of}).
 */
class AdminAccessTest {

  static final String TYPES = CheckApiTest.TYPES;

  /** Every admin route with a body that would change or read something. */
  static final String[][] ROUTES = {
      {"GET", "/v1/admin/policies", null},
      {"GET", "/v1/admin/domains", null},
      {"POST", "/v1/admin/policies/inspect", "{\"policy\":\"api\",\"key\":\"k\"}"},
      {"POST", "/v1/admin/policies/reset", "{\"policy\":\"api\",\"key\":\"k\"}"},
      {"POST", "/v1/admin/domains/inspect", "{\"domain\":\"shop\",\"descriptor\":[{\"key\":\"user\",\"value\":\"a\"}]}"},
      {"POST", "/v1/admin/domains/reset", "{\"domain\":\"shop\",\"descriptor\":[{\"key\":\"user\",\"value\":\"a\"}]}"}};

  @TempDir
  Path tmp;

  static AdminAccess on(String host, String token) {
    return AdminAccess.of(new InetSocketAddress(host, 6070), token);
  }

  @Test
  void loopbackWithoutATokenLetsEveryoneIn() throws Exception {
    AdminAccess access = on("127.0.0.1", null);
    assertThat(access.loopback()).isTrue();
    assertThat(access.warning()).isEmpty();
    try (ApiServer s = ApiServer.start(ApiServer.Kind.MEMORY, tmp, access)) {
      for (String[] r : ROUTES) {
        assertThat(s.admin(r[0], r[1], r[2], null).statusCode()).as(r[1]).isEqualTo(200);
        assertThat(s.admin(r[0], r[1], r[2], "Bearer anything").statusCode()).as(r[1]).isEqualTo(200);
      }
    }
  }

  @Test
  void loopbackWithATokenChecksIt() throws Exception {
    try (ApiServer s = ApiServer.start(ApiServer.Kind.MEMORY, tmp, on("::1", "s3cret-token"))) {
      s.post("/v1/check", "{\"key\":\"k\",\"policies\":[\"api\"]}");
      for (String[] r : ROUTES) {
        HttpResponse<String> none = s.admin(r[0], r[1], r[2], null);
        assertThat(none.statusCode()).as(r[1]).isEqualTo(401);
        assertThat(header(none, "WWW-Authenticate")).isEqualTo("Bearer realm=\"sluice-admin\"");
        assertThat(none.body()).isEqualTo("{\"type\":\"" + TYPES + "unauthorized\",\"title\":\"Unauthorized\","
            + "\"status\":401,\"detail\":\"the admin API needs the header Authorization: Bearer <token> (the token is"
            + " ADMIN_TOKEN)\"}");

        HttpResponse<String> wrong = s.admin(r[0], r[1], r[2], "Bearer s3cret-tokeN");
        assertThat(wrong.statusCode()).as(r[1]).isEqualTo(401);
        assertThat(header(wrong, "WWW-Authenticate")).isEqualTo("Bearer realm=\"sluice-admin\", error=\"invalid_token\"");
        assertThat(json(wrong).get("detail").stringValue()).isEqualTo("the bearer token is not the admin token");

        for (String bad : new String[] {"Basic czNjcmV0LXRva2Vu", "Bearer", "s3cret-token", "Bearer s3cret-token2"}) {
          assertThat(s.admin(r[0], r[1], r[2], bad).statusCode()).as(r[1] + " " + bad).isEqualTo(401);
        }
      }
      // nothing was reset by the refused calls
      assertThat(s.state("api", "k").used()).isEqualTo(1);
      for (String[] r : ROUTES) {
        assertThat(s.admin(r[0], r[1], r[2], "Bearer s3cret-token").statusCode()).as(r[1]).isEqualTo(200);
      }
      assertThat(s.admin("GET", "/v1/admin/domains", null, "bearer  s3cret-token ").statusCode()).isEqualTo(200);
      assertThat(s.state("api", "k").used()).isZero();
    }
  }

  @Test
  void beyondLoopbackWithoutATokenTheAdminApiIsShut() throws Exception {
    AdminAccess access = on("0.0.0.0", null);
    assertThat(access.loopback()).isFalse();
    String why = "the admin API (/v1/admin/) answers 403: the debug listener is bound to 0.0.0.0, which is not a"
        + " loopback address, and ADMIN_TOKEN is not set; set ADMIN_TOKEN to use it with Authorization: Bearer"
        + " <token>, or bind DEBUG_HOST to 127.0.0.1";
    assertThat(access.warning()).hasValue(why);
    try (ApiServer s = ApiServer.start(ApiServer.Kind.MEMORY, tmp, access)) {
      s.post("/v1/check", "{\"key\":\"k\",\"policies\":[\"api\"]}");
      for (String[] r : ROUTES) {
        for (String auth : new String[] {null, "Bearer guess"}) {
          HttpResponse<String> resp = s.admin(r[0], r[1], r[2], auth);
          assertThat(resp.statusCode()).as(r[1]).isEqualTo(403);
          assertThat(header(resp, "content-type")).isEqualTo("application/problem+json");
          assertThat(resp.body()).isEqualTo("{\"type\":\"" + TYPES + "admin-token-required\",\"title\":\"Admin token"
              + " required\",\"status\":403,\"detail\":\"" + why + "\"}");
        }
      }
      assertThat(s.state("api", "k").used()).isEqualTo(1);
      // the API on the main listener is not affected
      assertThat(s.post("/v1/check", "{\"key\":\"k\",\"policies\":[\"api\"]}").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void beyondLoopbackWithATokenRequiresIt() throws Exception {
    AdminAccess access = on("192.0.2.10", "t0ken");
    assertThat(access.loopback()).isFalse();
    assertThat(access.warning()).isEmpty();
    try (ApiServer s = ApiServer.start(ApiServer.Kind.MEMORY, tmp, access)) {
      for (String[] r : ROUTES) {
        assertThat(s.admin(r[0], r[1], r[2], null).statusCode()).as(r[1]).isEqualTo(401);
        assertThat(s.admin(r[0], r[1], r[2], "Bearer t0ke").statusCode()).as(r[1]).isEqualTo(401);
        assertThat(s.admin(r[0], r[1], r[2], "Bearer t0ken").statusCode()).as(r[1]).isEqualTo(200);
      }
    }
  }

  @Test
  void whatCountsAsLoopback() {
    assertThat(on("127.0.0.1", null).loopback()).isTrue();
    assertThat(on("127.3.4.5", null).loopback()).isTrue();
    assertThat(on("::1", null).loopback()).isTrue();
    assertThat(on("0.0.0.0", null).loopback()).isFalse();
    assertThat(on("::", null).loopback()).isFalse();
    assertThat(on("10.0.0.1", null).loopback()).isFalse();
    assertThat(AdminAccess.of(InetSocketAddress.createUnresolved("admin.invalid", 6070), null).loopback()).isFalse();
    assertThat(on("0.0.0.0", "").tokenSet()).isFalse();
    assertThat(on("0.0.0.0", "x").toString()).doesNotContain("x\"").isEqualTo("AdminAccess[0.0.0.0, token]");
  }
}
