package dev.sluice.spring.boot.autoconfigure;

import dev.sluice.Budget;
import dev.sluice.Budgets;
import dev.sluice.DecisionListener;
import dev.sluice.Leases;
import dev.sluice.Sluice;
import dev.sluice.http.HttpQuotas;
import dev.sluice.http.QuotaConfig;
import dev.sluice.servlet.SluiceFilter;
import dev.sluice.spi.Store;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.util.ClassUtils;

/**
 * Sluice from {@code application.yml} under {@code sluice.*} (docs/http.md, "Spring Boot"): the
 * configuration ({@link QuotaConfig}, read from {@link SluiceProperties}), the store, the engine
 * ({@link Sluice}), the per-client quotas ({@link HttpQuotas}), and, where their frameworks are
 * present, the Spring MVC filter ({@code SluiceFilter}), the WebFlux {@link SluiceWebFilter}, the
 * 429 answer to {@code QuotaExceededException} ({@link QuotaExceededHandler}), {@link RateLimited}
 * methods, Micrometer meters, the actuator endpoint {@code sluice} and the store's health. Every
 * bean gives way to one the application defines. {@code sluice.enabled=false} turns it all off.
 *
 * <p>Bad configuration fails the start, naming the property's full path and its value.
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = "sluice", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(SluiceProperties.class)
public class SluiceAutoConfiguration {

  /** Where the configuration comes from, at the start of every configuration error. */
  public static final String ORIGIN = "application properties";

  /** Creates the auto-configuration (by Spring). */
  public SluiceAutoConfiguration() {}

  /**
   * The configuration, read and checked from the {@code sluice.*} properties.
   *
   * @param properties the bound properties
   * @return the configuration
   */
  @Bean
  @ConditionalOnMissingBean
  public QuotaConfig sluiceQuotaConfig(SluiceProperties properties) {
    return QuotaConfig.read(properties.tree(), ORIGIN);
  }

  /**
   * The store {@code sluice.store} describes, closed with the context.
   *
   * @param config the configuration
   * @return the store
   */
  @Bean
  @ConditionalOnMissingBean
  public Store sluiceStore(QuotaConfig config) {
    return Stores.build(config.store(), SluiceAutoConfiguration.class.getClassLoader());
  }

  /**
   * The engine on the store, telling every {@link DecisionListener} bean, and a Micrometer
   * registry when there is one and {@code sluice-micrometer} is present. The store bean closes the
   * store.
   *
   * @param store the store
   * @param listeners the listener beans
   * @param beans where a Micrometer registry is looked for
   * @return the engine
   */
  @Bean(destroyMethod = "")
  @ConditionalOnMissingBean
  public Sluice sluice(Store store, ObjectProvider<DecisionListener> listeners, BeanFactory beans) {
    Sluice.Builder b = Sluice.builder().store(store);
    List<DecisionListener> all = new ArrayList<>(listeners.orderedStream().toList());
    ClassLoader loader = SluiceAutoConfiguration.class.getClassLoader();
    if (ClassUtils.isPresent("dev.sluice.micrometer.MicrometerListener", loader)
        && ClassUtils.isPresent("io.micrometer.core.instrument.MeterRegistry", loader)) {
      Meters.listener(beans, all).ifPresent(all::add);
    }
    for (DecisionListener l : all) {
      b.listener(l);
    }
    return b.build();
  }

  /**
   * The per-client quotas: identities, client addresses, rules and header style on the engine.
   *
   * @param config the configuration
   * @param sluice the engine
   * @return the quotas
   */
  @Bean
  @ConditionalOnMissingBean
  public HttpQuotas sluiceHttpQuotas(QuotaConfig config, Sluice sluice) {
    return config.quotas(sluice);
  }

  @Bean
  @ConditionalOnMissingBean
  StoreProbe sluiceStoreProbe(Store store, QuotaConfig config) {
    return new StoreProbe(store, config.policies(), Stores.name(config.store()));
  }

  @Bean
  @ConditionalOnMissingBean(name = "sluiceRateLimitedPostProcessor")
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  static RateLimitedPostProcessor sluiceRateLimitedPostProcessor(ObjectProvider<Sluice> sluice,
      ObjectProvider<QuotaConfig> config) {
    return new RateLimitedPostProcessor(new RateLimitedInterceptor(sluice, config));
  }

  static Leases leases(QuotaConfig config, Sluice sluice) {
    return config.concurrency().map(sluice::leases).orElse(null);
  }

  static List<Budgets> budgets(QuotaConfig config, Sluice sluice) {
    List<Budgets> out = new ArrayList<>();
    for (Budget b : config.budgets()) {
      out.add(sluice.budget(b));
    }
    return out;
  }

  /** Spring MVC and any Servlet application: the Servlet module's filter. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass(name = {"dev.sluice.servlet.SluiceFilter", "jakarta.servlet.Filter",
      "org.springframework.boot.web.servlet.FilterRegistrationBean"})
  static class ServletQuotas {

    @Bean
    @ConditionalOnMissingBean
    SluiceFilter sluiceFilter(HttpQuotas quotas, QuotaConfig config, Sluice sluice) {
      SluiceFilter.Builder b = SluiceFilter.builder(quotas).headers(config.headers());
      Leases leases = leases(config, sluice);
      if (leases != null) {
        b.concurrency(leases);
      }
      for (Budgets budget : budgets(config, sluice)) {
        b.budget(budget);
      }
      config.costAttribute().ifPresent(b::costAttribute);
      return b.build();
    }

    @Bean
    @ConditionalOnMissingBean(name = "sluiceFilterRegistration")
    FilterRegistrationBean<SluiceFilter> sluiceFilterRegistration(SluiceFilter filter) {
      FilterRegistrationBean<SluiceFilter> r = new FilterRegistrationBean<>();
      r.setFilter(filter);
      r.setName("sluice");
      r.setOrder(SluiceWebFilter.ORDER);
      r.setAsyncSupported(true);
      return r;
    }
  }

  /** WebFlux: {@link SluiceWebFilter}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
  @ConditionalOnClass(name = "org.springframework.web.server.WebFilter")
  static class ReactiveQuotas {

    @Bean
    @ConditionalOnMissingBean
    SluiceWebFilter sluiceWebFilter(HttpQuotas quotas, QuotaConfig config, Sluice sluice) {
      return new SluiceWebFilter(quotas, leases(config, sluice), budgets(config, sluice),
          config.costAttribute().orElse(SluiceFilter.DEFAULT_COST_ATTRIBUTE), config.headers(),
          Stores.blocking(config.store()));
    }
  }

  /** Spring MVC and WebFlux controllers: {@code QuotaExceededException} answered with 429. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication
  @ConditionalOnClass(name = "org.springframework.web.bind.annotation.RestControllerAdvice")
  static class Answers {

    @Bean
    @ConditionalOnMissingBean
    QuotaExceededHandler sluiceQuotaExceededHandler(QuotaConfig config) {
      return new QuotaExceededHandler(config);
    }
  }

  /** Actuator: the endpoint {@code sluice}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
  static class Actuator {

    @Bean
    @ConditionalOnMissingBean
    SluiceEndpoint sluiceEndpoint(StoreProbe probe) {
      return new SluiceEndpoint(probe);
    }
  }

  /** Actuator health on Spring Boot 3. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
  @ConditionalOnMissingClass("org.springframework.boot.health.contributor.HealthIndicator")
  static class Health3 {

    @Bean
    @ConditionalOnMissingBean(name = "sluiceHealthIndicator")
    SluiceHealthIndicator sluiceHealthIndicator(StoreProbe probe) {
      return new SluiceHealthIndicator(probe);
    }
  }

  /** Actuator health on Spring Boot 4 ({@code spring-boot-health}). */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
  static class Health4 {

    @Bean
    @ConditionalOnMissingBean(name = "sluiceHealthIndicator")
    SluiceHealth4Indicator sluiceHealthIndicator(StoreProbe probe) {
      return new SluiceHealth4Indicator(probe);
    }
  }
}
