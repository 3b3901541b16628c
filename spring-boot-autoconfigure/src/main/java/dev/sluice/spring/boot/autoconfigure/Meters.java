package dev.sluice.spring.boot.autoconfigure;

import dev.sluice.DecisionListener;
import dev.sluice.micrometer.MicrometerListener;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Optional;
import org.springframework.beans.factory.BeanFactory;

/** The Micrometer listener; loaded only when sluice-micrometer and Micrometer are present. */
final class Meters {
  private Meters() {}

  /** A listener on the application's registry, unless there is none or one is already a bean. */
  static Optional<DecisionListener> listener(BeanFactory beans, List<DecisionListener> present) {
    if (present.stream().anyMatch(MicrometerListener.class::isInstance)) {
      return Optional.empty();
    }
    MeterRegistry registry = beans.getBeanProvider(MeterRegistry.class).getIfUnique();
    return registry == null ? Optional.empty() : Optional.of(MicrometerListener.of(registry));
  }
}
