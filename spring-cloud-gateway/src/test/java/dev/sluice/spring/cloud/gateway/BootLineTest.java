package dev.sluice.spring.cloud.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootVersion;
import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter;

/**
 * Which line these tests run on: the module's pom says which Boot and Gateway it means
 * (sluice.test.boot, sluice.test.gateway), so the Boot 4 module cannot pass on Boot 3 by mistake.
 */
class BootLineTest {

  @Test
  void theTestsRunOnTheBootAndGatewayLineTheirModuleNames() {
    String boot = System.getProperty("sluice.test.boot");
    String gateway = System.getProperty("sluice.test.gateway");
    assertThat(boot).as("sluice.test.boot, set by the pom").isNotBlank();
    assertThat(gateway).as("sluice.test.gateway, set by the pom").isNotBlank();
    assertThat(SpringBootVersion.getVersion()).startsWith(boot + ".");
    assertThat(RateLimiter.class.getPackage().getImplementationVersion()).startsWith(gateway + ".");
  }
}
