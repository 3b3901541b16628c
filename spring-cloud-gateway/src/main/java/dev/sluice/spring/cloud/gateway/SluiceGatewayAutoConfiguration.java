package dev.sluice.spring.cloud.gateway;

import dev.sluice.Sluice;
import dev.sluice.http.QuotaConfig;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Spring Cloud Gateway support over the Sluice Spring Boot starter: where the Gateway
 * (server-webflux) is on the class path and the starter made the engine ({@link Sluice}) and the
 * {@code sluice:} configuration ({@link QuotaConfig}), a {@link SluiceRateLimiter} bean named
 * {@code sluiceRateLimiter} over them (its policies and header style); and wherever the Gateway
 * is, the {@link QuotaRefusalHandler} that writes the refusals {@code RequestRateLimiter} cannot.
 *
 * <p>A route uses the limiter with {@code rate-limiter: "#{@sluiceRateLimiter}"}, or without naming
 * it when it is the application's only {@code RateLimiter} bean (this configuration runs before
 * the Gateway's, which makes {@code RequestRateLimiter} from that bean). Either bean defined by the
 * application replaces this one.
 */
@AutoConfiguration(afterName = "dev.sluice.spring.boot.autoconfigure.SluiceAutoConfiguration",
    beforeName = "org.springframework.cloud.gateway.config.GatewayAutoConfiguration")
@ConditionalOnClass(RateLimiter.class)
public class SluiceGatewayAutoConfiguration {

  /** The configuration; Spring creates it. */
  public SluiceGatewayAutoConfiguration() {}

  /**
   * Writes 503 (the store fails closed) and 422 (a cost above a limit) as problem+json with their
   * headers; also for a {@link SluiceRateLimiter} the application builds itself.
   *
   * @return the handler
   */
  @Bean
  @ConditionalOnMissingBean
  public QuotaRefusalHandler sluiceQuotaRefusalHandler() {
    return new QuotaRefusalHandler();
  }

  /** The limiter, where the starter made the engine and the configuration. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnBean({Sluice.class, QuotaConfig.class})
  public static class Limiter {

    /** The configuration; Spring creates it. */
    public Limiter() {}

    /**
     * The rate limiter over the engine and the {@code sluice:} configuration's policies and
     * {@code headers} style; decisions run on {@code Schedulers.boundedElastic()} (the store may
     * block).
     *
     * @param sluice the engine
     * @param config the {@code sluice:} configuration
     * @param configurationService the Gateway's, to bind each route's arguments
     * @return the limiter
     */
    @Bean
    @ConditionalOnMissingBean
    public SluiceRateLimiter sluiceRateLimiter(Sluice sluice, QuotaConfig config,
        ConfigurationService configurationService) {
      return SluiceRateLimiter.builder(sluice, config.policies()).headers(config.headers())
          .configurationService(configurationService).build();
    }
  }
}
