package dev.sluice.spring.boot.autoconfigure;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The store's health on Spring Boot 4 ({@code org.springframework.boot.health.contributor}, in
 * {@code spring-boot-health}): the same as {@link SluiceHealthIndicator} for Boot 3.
 */
public class SluiceHealth4Indicator implements HealthIndicator {

  private final StoreProbe probe;

  SluiceHealth4Indicator(StoreProbe probe) {
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
