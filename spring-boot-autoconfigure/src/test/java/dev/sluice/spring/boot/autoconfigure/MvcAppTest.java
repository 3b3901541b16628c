package dev.sluice.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.servlet.SluiceFilter;
import org.junit.jupiter.api.Test;

/** The Spring MVC application ({@code mvc.yml}): the Servlet module's filter. */
class MvcAppTest extends WebAppTests {

  @Override
  Apps.App start() {
    return Apps.start(MvcApp.class, "mvc");
  }

  @Test
  void theServletFilterDecides() {
    assertThat(app().context().getBeansOfType(SluiceFilter.class)).hasSize(1);
    assertThat(app().context().getBeansOfType(SluiceWebFilter.class)).isEmpty();
  }
}
