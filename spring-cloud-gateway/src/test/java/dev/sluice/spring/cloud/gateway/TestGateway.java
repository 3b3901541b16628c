package dev.sluice.spring.cloud.gateway;

import java.net.InetSocketAddress;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import reactor.core.publisher.Mono;

/**
 * The test gateway: auto-configuration (the Gateway's and ours) and two key resolvers:
 * {@code clientKeyResolver} (the default), the client id from {@code X-Client-Id} set by a trusted
 * proxy, else the peer's address ({@code ip:<address>}: anonymous clients count by address, never
 * under an id); and {@code addressKeyResolver}, the address only, as docs/http.md shows it.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class TestGateway {

  @Bean
  @Primary
  KeyResolver clientKeyResolver() {
    return exchange -> {
      String id = exchange.getRequest().getHeaders().getFirst("X-Client-Id");
      if (id != null) {
        return Mono.just(id);
      }
      InetSocketAddress peer = exchange.getRequest().getRemoteAddress();
      return Mono.justOrEmpty(peer).map(p -> "ip:" + p.getAddress().getHostAddress());
    };
  }

  @Bean
  KeyResolver addressKeyResolver() {
    return exchange -> Mono.justOrEmpty(exchange.getRequest().getRemoteAddress())
        .map(a -> "ip:" + a.getAddress().getHostAddress());
  }
}
