package dev.sluice.spring.boot.autoconfigure;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * The store's health on Spring Boot 3 ({@code org.springframework.boot.actuate.health}): up when
 * the store decides a peek of the first configured policy, down when it cannot (then requests get
 * the policy's failure choice).
 */
public class SluiceHealthIndicator implements HealthIndicator {

  private final StoreProbe probe;

  SluiceHealthIndicator(StoreProbe probe) {
    this.probe = probe;
  }

  /**
   * Peeks at the store.
   *
   * @return up, or down with the reason; the store type as a detail
   */
  @Override
  public Health health() {
    String problem = probe.problem();
    Health.Builder b = problem == null ? Health.up() : Health.down().withDetail("error", problem);
    return b.withDetail("store", probe.type()).build();
  }
}
