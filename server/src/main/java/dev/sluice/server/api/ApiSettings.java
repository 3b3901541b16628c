package dev.sluice.server.api;

import dev.sluice.Policy;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What the server needs to serve the API: the named policies (from Sluice's config file) and the
 * admin token.
 *
 * @param policies the named policies now, by name; read on every request
 * @param adminToken {@value AdminAccess#TOKEN_VARIABLE}, or null for none
 */
public record ApiSettings(Supplier<Map<String, Policy>> policies, String adminToken) {

  /** Checks the components; an empty token is none. */
  public ApiSettings {
    Objects.requireNonNull(policies, "policies");
    adminToken = adminToken == null || adminToken.isEmpty() ? null : adminToken;
  }

  /**
   * No named policies, and the admin token of {@code env}.
   *
   * @param env the environment, e.g. {@link System#getenv()}
   */
  public static ApiSettings fromEnvironment(Map<String, String> env) {
    return new ApiSettings(Map::of, env.get(AdminAccess.TOKEN_VARIABLE));
  }

  /** These settings with {@code policies} as the named policies. */
  public ApiSettings withPolicies(Supplier<Map<String, Policy>> policies) {
    return new ApiSettings(policies, adminToken);
  }

  @Override
  public String toString() {
    return "ApiSettings[policies=" + policies + ", adminToken=" + (adminToken == null ? "none" : "set") + "]";
  }
}
