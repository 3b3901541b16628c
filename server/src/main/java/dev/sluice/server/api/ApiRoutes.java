package dev.sluice.server.api;

import dev.sluice.Policy;
import dev.sluice.server.config.RateLimitConfig;
import dev.sluice.server.http.Routes;
import dev.sluice.server.service.RateLimitService;
import dev.sluice.spi.Store;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The route tables of Sluice's own HTTP API ({@link #main}) and of the admin API ({@link
 * #admin}). The routes, bodies and answers are described in {@code openapi.yaml} beside this
 * class, also served at {@code GET /v1/openapi.yaml}.
 */
public final class ApiRoutes {

  private ApiRoutes() {}

  /**
   * The API for services in any language, for the main HTTP listener: {@code /v1/check} and
   * {@code /v1/check/peek}, {@code /v1/leases/*}, {@code /v1/budgets/*}, {@code
   * /v1/openapi.yaml}. Routes that call the store run on the listener's blocking pool.
   *
   * @param store the server's store (not closed by the API)
   * @param policies the named policies now, by name; read on every request, so a reload applies
   *     at once
   */
  public static Routes main(Store store, Supplier<Map<String, Policy>> policies) {
    NamedPolicies named = new NamedPolicies(store, policies);
    Routes.Builder b = Routes.builder();
    new CheckRoutes(named).addTo(b);
    new LeaseRoutes(named).addTo(b);
    new BudgetRoutes(named).addTo(b);
    b.get("/v1/openapi.yaml", "this API's OpenAPI 3.1 description", OpenApi.handler());
    return b.build();
  }

  /**
   * The admin API, for the debug listener, every route behind {@code access}: {@code GET
   * /v1/admin/policies} and {@code /v1/admin/domains}; {@code POST
   * /v1/admin/policies/inspect|reset} and {@code /v1/admin/domains/inspect|reset}.
   *
   * @param access who may call it
   * @param store the server's store
   * @param policies the named policies now
   * @param config the envoy config now
   * @param service the envoy service, whose descriptors' counters are inspected and reset
   */
  public static Routes admin(AdminAccess access, Store store, Supplier<Map<String, Policy>> policies,
      Supplier<RateLimitConfig> config, RateLimitService service) {
    Routes.Builder b = Routes.builder();
    new AdminRoutes(access, new NamedPolicies(store, policies), config, service).addTo(b);
    return b.build();
  }
}
