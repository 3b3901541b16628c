package dev.sluice.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** How a Servlet request's path and peer are read. */
class ServletQuotaRequestTest {

  @Test
  void thePathIsTheOneWithinTheApplicationAsSent() {
    assertThat(ServletQuotaRequest.path("/shop/api/orders", "/shop")).isEqualTo("/api/orders");
    assertThat(ServletQuotaRequest.path("/shop", "/shop")).isEqualTo("/");
    assertThat(ServletQuotaRequest.path("/api/orders", "")).isEqualTo("/api/orders");
    assertThat(ServletQuotaRequest.path("/shop/api/%2e%2e/health", "/shop")).isEqualTo("/api/%2e%2e/health");
    assertThat(ServletQuotaRequest.path("/elsewhere", "/shop")).isEqualTo("/elsewhere");
  }

  @Test
  void thePeerIsReadAsALiteralAndNeverLookedUp() throws Exception {
    assertThat(ServletQuotaRequest.literal("203.0.113.7")).isEqualTo(InetAddress.getByName("203.0.113.7"));
    assertThat(ServletQuotaRequest.literal("2001:db8::1")).isEqualTo(InetAddress.getByName("[2001:db8::1]"));
    assertThat(ServletQuotaRequest.literal("[::1]")).isEqualTo(InetAddress.getByName("[::1]"));
    assertThat(ServletQuotaRequest.literal("fe80::1%eth0").getHostAddress()).isEqualTo("fe80:0:0:0:0:0:0:1");
    assertThat(ServletQuotaRequest.literal("::ffff:192.0.2.1")).as("IPv4-mapped: the IPv4 address")
        .isEqualTo(InetAddress.getByName("192.0.2.1"));
    assertThat(ServletQuotaRequest.literal(" 198.51.100.4 ")).isEqualTo(InetAddress.getByName("198.51.100.4"));
    InetAddress unspecified = InetAddress.getByAddress(new byte[4]);
    for (String notALiteral : new String[] {"localhost", "example.com", "999.1.1.1", "1.2.3", "::g", "", null,
        "010.1.1.1", "1.2.3.4.5", "[1.2.3.4", "1::2::3", "[]", "1.2.3.4:80"}) {
      assertThat(ServletQuotaRequest.literal(notALiteral)).as(String.valueOf(notALiteral)).isEqualTo(unspecified);
    }
  }
}
