package dev.sluice.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootVersion;

/**
 * These tests run on each supported Boot line (this module: 3.5; sluice-spring-boot4-tests: 4.0,
 * against the jar compiled for 3.5); the build names the one it means, and this checks it is the
 * one on the classpath.
 */
class BootLineTest {

  @Test
  void theTestsRunOnTheBootLineTheBuildNames() {
    String expected = System.getProperty("sluice.spring-boot.version");
    assertThat(expected).as("system property sluice.spring-boot.version").isNotBlank();
    assertThat(SpringBootVersion.getVersion()).isEqualTo(expected);
  }
}
