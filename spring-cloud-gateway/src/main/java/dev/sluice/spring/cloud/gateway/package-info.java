/**
 * Sluice for Spring Cloud Gateway (server-webflux): {@link dev.sluice.spring.cloud.gateway.SluiceRateLimiter},
 * a {@code RateLimiter} the {@code RequestRateLimiter} filter takes in place of
 * {@code RedisRateLimiter}, charging each route's named policies all or nothing with the answers
 * of {@link dev.sluice.http.QuotaAnswer}; {@link dev.sluice.spring.cloud.gateway.QuotaRefusalHandler}
 * writes the refusals the filter cannot (503 when the store fails closed, 422); and
 * {@link dev.sluice.spring.cloud.gateway.SluiceGatewayAutoConfiguration} makes the limiter a bean
 * over the Sluice Spring Boot starter's engine and configuration.
 */
package dev.sluice.spring.cloud.gateway;
