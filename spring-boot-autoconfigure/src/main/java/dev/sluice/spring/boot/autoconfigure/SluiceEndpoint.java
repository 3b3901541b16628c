package dev.sluice.spring.boot.autoconfigure;

import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The actuator endpoint {@code sluice}: {@code GET /actuator/sluice} lists the store and the
 * policies (name to text form); {@code GET /actuator/sluice/{policy}/{key}} (or {@code /actuator/sluice/{policy}?key=...}) shows a key's usage
 * under a policy (limit, used, remaining, seconds until fully replenished, whether the store
 * decided) without charging it. HTTP clients' keys are {@code ip:<address>} (or
 * {@code ip:<network>/<prefix>} for IPv6) and {@code id:<client id>}. Expose it with
 * {@code management.endpoints.web.exposure.include}; it shows client keys' usage, so secure it as
 * any actuator endpoint.
 */
@Endpoint(id = "sluice")
public class SluiceEndpoint {

  private final StoreProbe probe;

  SluiceEndpoint(StoreProbe probe) {
    this.probe = probe;
  }

  /**
   * The store type and the policies.
   *
   * @return {@code store} and {@code policies} (name to text form)
   */
  @ReadOperation
  public Map<String, Object> policies() {
    return probe.describe();
  }

  /**
   * A key's usage under a policy; nothing is charged.
   *
   * @param policy the policy's name
   * @param key the key, e.g. {@code ip:192.0.2.1} or {@code id:billing}
   * @return the usage, or null (404) if the policy is not configured
   */
  @ReadOperation
  public Map<String, Object> usage(@Selector String policy, @Selector String key) {
    return probe.usage(policy, key);
  }

  /**
   * {@link #usage(String, String)} with the key as the query parameter {@code key}
   * ({@code GET /actuator/sluice/{policy}?key=...}): for a key a path segment cannot carry, such
   * as an IPv6 client's {@code ip:2001:db8:1:2::/64}.
   *
   * @param policy the policy's name
   * @param key the key
   * @return the usage, or null (404) if the policy is not configured
   */
  @ReadOperation
  public Map<String, Object> usageOf(@Selector String policy, String key) {
    return probe.usage(policy, key);
  }
}
