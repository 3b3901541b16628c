package dev.sluice.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.servlet.SluiceFilter;
import org.junit.jupiter.api.Test;

/** The WebFlux application ({@code webflux.yml}): {@link SluiceWebFilter}. */
class WebFluxAppTest extends WebAppTests {

  @Override
  Apps.App start() {
    return Apps.start(WebFluxApp.class, "webflux");
  }

  @Test
  void theWebFilterDecides() {
    assertThat(app().context().getBeansOfType(SluiceWebFilter.class)).hasSize(1);
    assertThat(app().context().getBeansOfType(SluiceFilter.class)).isEmpty();
  }
}
