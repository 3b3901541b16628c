package dev.sluice.http;

import static dev.sluice.http.CidrTest.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.http.ClientAddresses.Header;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The client behind trusted proxies: headers from untrusted peers ignored, trusted hops skipped,
 * nothing left of a malformed hop believed, IPv6 grouped by prefix, hostile headers bounded.
 */
class ClientAddressesTest {

  /** Proxies at 10.0.0.0/8 and 2001:db8:ffff::/48. */
  private static final ClientAddresses BEHIND_PROXIES = ClientAddresses.builder()
      .trustedProxies("10.0.0.0/8", "2001:db8:ffff::/48").build();

  private static final ClientAddresses FORWARDED = ClientAddresses.builder()
      .trustedProxies("10.0.0.0/8", "2001:db8:ffff::/48").header(Header.FORWARDED).build();

  private static final String PROXY = "10.0.0.1";

  private static List<String> lines(String lines) {
    return lines.isEmpty() ? List.of() : Arrays.asList(lines.split("\\|", -1));
  }

  @ParameterizedTest(name = "peer {0}, X-Forwarded-For {1} -> {2}")
  @CsvSource(delimiter = ';', value = {
      // an untrusted peer is the client, whatever it claims
      "203.0.113.9; 1.2.3.4; 203.0.113.9",
      "203.0.113.9; 10.0.0.2; 203.0.113.9",
      "203.0.113.9; ''; 203.0.113.9",
      "2001:db8:1:2::99; 1.2.3.4; 2001:db8:1:2::/64",
      // a trusted peer: the right-most untrusted hop
      "10.0.0.1; 1.2.3.4; 1.2.3.4",
      "10.0.0.1; 6.6.6.6, 1.2.3.4; 1.2.3.4",
      "10.0.0.1; 6.6.6.6, 1.2.3.4, 10.0.0.2, 10.9.9.9; 1.2.3.4",
      "10.0.0.1; 6.6.6.6|1.2.3.4|10.0.0.2; 1.2.3.4",
      "10.0.0.1; 6.6.6.6, 1.2.3.4|10.0.0.2, 10.0.0.3; 1.2.3.4",
      "10.0.0.1; 6.6.6.6|''|1.2.3.4,,  ,10.0.0.2; 1.2.3.4",
      "10.0.0.1;  \t1.2.3.4\t ; 1.2.3.4",
      // every hop trusted: the left-most; no header: the peer
      "10.0.0.1; 10.0.0.5, 10.0.0.2; 10.0.0.5",
      "10.0.0.1; ''; 10.0.0.1",
      "10.0.0.1; ,,; 10.0.0.1",
      // malformed hops end the walk at the last good hop to their right
      "10.0.0.1; 1.2.3.4, unknown; 10.0.0.1",
      "10.0.0.1; 1.2.3.4, unknown, 10.0.0.2; 10.0.0.2",
      "10.0.0.1; 1.2.3.4, _hidden, 10.0.0.2; 10.0.0.2",
      "10.0.0.1; 1.2.3.4, example.com; 10.0.0.1",
      "10.0.0.1; 1.2.3.4, localhost; 10.0.0.1",
      "10.0.0.1; 1.2.3.4, 10.0.0.2 10.0.0.3; 10.0.0.1",
      "10.0.0.1; 1.2.3.4, 1.2.3.4.5; 10.0.0.1",
      "10.0.0.1; 1.2.3.4, 01.2.3.4; 10.0.0.1",
      "10.0.0.1; 1.2.3.4, \"5.6.7.8\"; 10.0.0.1",
      "10.0.0.1; 1.2.3.4, 5.6.7.8:; 10.0.0.1",
      "10.0.0.1; 1.2.3.4, 5.6.7.8:65536; 10.0.0.1",
      "10.0.0.1; 1.2.3.4, 5.6.7.8:_p; 10.0.0.1",
      "10.0.0.1; 1.2.3.4, [5.6.7.8]; 10.0.0.1",
      "10.0.0.1; 1.2.3.4, [2001:db8::1; 10.0.0.1",
      "10.0.0.1; 1.2.3.4, fe80::1%; 10.0.0.1",
      "10.0.0.1; 1.2.3.4, fe80::1%eth 0; 10.0.0.1",
      "10.0.0.1; 5.6.7.8, garbage|1.2.3.4; 1.2.3.4",
      // ports, IPv6 forms and zones are read
      "10.0.0.1; 1.2.3.4:5678; 1.2.3.4",
      "10.0.0.1; 1.2.3.4:0; 1.2.3.4",
      "10.0.0.1; 1.2.3.4:65535; 1.2.3.4",
      "10.0.0.1; 6.6.6.6, 10.0.0.2:443; 6.6.6.6",
      "10.0.0.1; 2001:db8:1:2::1; 2001:db8:1:2::/64",
      "10.0.0.1; [2001:db8:1:2::1]; 2001:db8:1:2::/64",
      "10.0.0.1; [2001:db8:1:2::1]:8080; 2001:db8:1:2::/64",
      "10.0.0.1; fe80::1%eth0; fe80::/64",
      "10.0.0.1; [fe80::1%25]:80; fe80::/64",
      "10.0.0.1; ::ffff:1.2.3.4; 1.2.3.4",
      "10.0.0.1; ::FFFF:102:304; 1.2.3.4",
      "10.0.0.1; 6.6.6.6, ::ffff:10.0.0.2; 6.6.6.6",
      "10.0.0.1; 1.2.3.4, 2001:db8:ffff:1::2; 1.2.3.4",
      // IPv4-mapped and IPv6 peers
      "::ffff:10.0.0.1; 1.2.3.4; 1.2.3.4",
      "2001:db8:ffff::1; 1.2.3.4; 1.2.3.4",
      "2001:db8:fffe::1; 1.2.3.4; 2001:db8:fffe::/64",
  })
  void xForwardedForIsBelievedOnlyAsFarAsTrustedProxiesVouchForIt(String peer, String xff, String key) {
    assertThat(BEHIND_PROXIES.addressKey(ip(peer), lines(xff), List.of("for=9.9.9.9"))).isEqualTo(key);
    assertThat(BEHIND_PROXIES.client(ip(peer), lines(xff), List.of())).isEqualTo(Client.anonymous(key));
  }

  @Test
  void withNoTrustedProxiesThePeerIsAlwaysTheClient() {
    ClientAddresses direct = ClientAddresses.builder().build();
    assertThat(direct.addressKey(ip("10.0.0.1"), List.of("1.2.3.4"), List.of("for=1.2.3.4"))).isEqualTo("10.0.0.1");
    ClientAddresses forwardedDirect = ClientAddresses.builder().header(Header.FORWARDED).build();
    assertThat(forwardedDirect.addressKey(ip("10.0.0.1"), List.of(), List.of("for=1.2.3.4"))).isEqualTo("10.0.0.1");
  }

  @ParameterizedTest(name = "Forwarded {0} -> {1}")
  @CsvSource(delimiterString = " -> ", value = {
      "for=1.2.3.4 -> 1.2.3.4",
      "FOR=1.2.3.4 -> 1.2.3.4",
      "For=1.2.3.4;proto=https;by=10.0.0.1 -> 1.2.3.4",
      "proto=https;for=1.2.3.4 -> 1.2.3.4",
      "proto=https ; for=1.2.3.4 ; by=_x -> 1.2.3.4",
      "for=\"1.2.3.4\" -> 1.2.3.4",
      "for=1.2.3.4:8080 -> 1.2.3.4",
      "for=\"1.2.3.4:8080\" -> 1.2.3.4",
      "for=\"1.2.3.4:_p1\" -> 1.2.3.4",
      "for=\"[2001:db8:1:2::1]\" -> 2001:db8:1:2::/64",
      "for=\"[2001:db8:1:2::1]:4711\" -> 2001:db8:1:2::/64",
      "for=[2001:db8:1:2::1]:4711 -> 2001:db8:1:2::/64",
      "for=\"[::ffff:1.2.3.4]\" -> 1.2.3.4",
      "for=6.6.6.6, for=1.2.3.4 -> 1.2.3.4",
      "for=6.6.6.6, for=1.2.3.4, for=10.0.0.2;by=10.0.0.1 -> 1.2.3.4",
      "for=6.6.6.6|for=1.2.3.4|for=10.0.0.2 -> 1.2.3.4",
      "for=10.0.0.3, for=10.0.0.2 -> 10.0.0.3",
      "for=1.2.3.4, for=\"[2001:db8:ffff::7]:1\" -> 1.2.3.4",
      "'' -> 10.0.0.1",
      // malformed: the walk stops at the last good hop to the right
      "for=6.6.6.6, for=unknown -> 10.0.0.1",
      "for=6.6.6.6, for=unknown, for=10.0.0.2 -> 10.0.0.2",
      "for=6.6.6.6, for=_hidden, for=10.0.0.2 -> 10.0.0.2",
      "for=6.6.6.6, for=\"_hidden\" -> 10.0.0.1",
      "for=6.6.6.6, for=example.com -> 10.0.0.1",
      "for=6.6.6.6, proto=https -> 10.0.0.1",
      "for=6.6.6.6, for=1.2.3.4;for=5.6.7.8 -> 10.0.0.1",
      "for=6.6.6.6, for=2001:db8::1 -> 10.0.0.1",
      "for=6.6.6.6, for=\"2001:db8::1\" -> 10.0.0.1",
      "for=6.6.6.6, for=\"1.2.3.4 -> 10.0.0.1",
      "for=6.6.6.6, for=\" -> 10.0.0.1",
      "for=6.6.6.6, for=\"1.2.3.4\\\"\" -> 10.0.0.1",
      "for=6.6.6.6, for= -> 10.0.0.1",
      "for=6.6.6.6, for -> 10.0.0.1",
      "for=6.6.6.6, for=1.2.3.4:_ -> 10.0.0.1",
      "for=6.6.6.6, for=\"[2001:db8::1]:\" -> 10.0.0.1",
      "for=6.6.6.6, for=\"[2001:db8::1]x\" -> 10.0.0.1",
      "for=6.6.6.6, foo=1.2.3.4 -> 10.0.0.1",
      "for=6.6.6.6, xfor=1.2.3.4 -> 10.0.0.1",
      "for=\"1.2.3.4, for=5.6.7.8\" -> 10.0.0.1",
  })
  void forwardedIsReadFromItsForParameter(String forwarded, String key) {
    assertThat(FORWARDED.addressKey(ip(PROXY), List.of("7.7.7.7"), lines(forwarded))).isEqualTo(key);
  }

  @ParameterizedTest(name = "{0}: XFF {1}, Forwarded {2} -> {3}")
  @CsvSource(delimiter = ';', value = {
      "X_FORWARDED_FOR; 1.2.3.4; for=5.6.7.8; 1.2.3.4",
      "X_FORWARDED_FOR; ''; for=5.6.7.8; 10.0.0.1",
      "FORWARDED; 1.2.3.4; for=5.6.7.8; 5.6.7.8",
      "FORWARDED; 1.2.3.4; ''; 10.0.0.1",
      "BOTH; 1.2.3.4; for=5.6.7.8; 5.6.7.8",
      "BOTH; 1.2.3.4; ''; 1.2.3.4",
      "BOTH; ''; ''; 10.0.0.1",
  })
  void theHeaderOptionChoosesWhichChainIsRead(Header header, String xff, String forwarded, String key) {
    ClientAddresses addresses = ClientAddresses.builder().trustedProxies("10.0.0.0/8").header(header).build();
    assertThat(addresses.addressKey(ip(PROXY), lines(xff), lines(forwarded))).isEqualTo(key);
  }

  @ParameterizedTest(name = "/{0}: {1} -> {2}")
  @CsvSource({
      "64, 2001:db8:1:2:aaaa:bbbb:cccc:dddd, 2001:db8:1:2::/64",
      "64, 2001:DB8:0:0:1::1, 2001:db8::/64",
      "56, 2001:db8:1:2ff::1, 2001:db8:1:200::/56",
      "48, 2001:db8:1:2::1, 2001:db8:1::/48",
      "1, 2001:db8::1, ::/1",
      "1, fe80::1, 8000::/1",
      "127, 2001:db8::3, 2001:db8::2/127",
      "128, 2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
      "128, 2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
      "128, 1.2.3.4, 1.2.3.4",
      "1, 1.2.3.4, 1.2.3.4",
      "1, ::ffff:1.2.3.4, 1.2.3.4",
  })
  void ipv6ClientsAreGroupedByThePrefixAndIpv4ClientsAreSingleAddresses(int prefix, String client, String key) {
    ClientAddresses addresses = ClientAddresses.builder().ipv6Prefix(prefix).build();
    assertThat(addresses.addressKey(ip(client), List.of(), List.of())).isEqualTo(key);
  }

  @Test
  void twoAddressesInOneSlash64AreOneClientAndAddressesInDifferentOnesAreNot() throws Exception {
    InetAddress a = ip("2001:db8:1:2::1");
    InetAddress b = ip("2001:db8:1:2:ffff:ffff:ffff:ffff");
    InetAddress c = ip("2001:db8:1:3::1");
    ClientAddresses byDefault = ClientAddresses.builder().build();
    assertThat(byDefault.client(a, List.of(), List.of())).isEqualTo(byDefault.client(b, List.of(), List.of()));
    assertThat(byDefault.client(a, List.of(), List.of())).isNotEqualTo(byDefault.client(c, List.of(), List.of()));
    ClientAddresses single = ClientAddresses.builder().ipv6Prefix(128).build();
    assertThat(single.addressKey(a, List.of(), List.of())).isNotEqualTo(single.addressKey(b, List.of(), List.of()));
    // a zone id on the peer changes nothing
    InetAddress zoned = Inet6Address.getByAddress(null, a.getAddress(), 7);
    assertThat(byDefault.addressKey(zoned, List.of(), List.of())).isEqualTo("2001:db8:1:2::/64");
  }

  static Stream<Arguments> hostileHeaders() {
    String hops40 = String.join(",", java.util.Collections.nCopies(40, "10.0.0.9"));
    List<String> lines40 = java.util.Collections.nCopies(40, "10.0.0.9");
    return Stream.of(
        // 33 trusted hops right of the client: the walk stops after 32, at the left-most read
        Arguments.of(List.of("1.2.3.4," + String.join(",", java.util.Collections.nCopies(33, "10.0.0.7"))),
            "10.0.0.7"),
        // 32 trusted hops: the client at the 33rd is never read
        Arguments.of(List.of("1.2.3.4," + String.join(",", java.util.Collections.nCopies(32, "10.0.0.7"))),
            "10.0.0.7"),
        // 31 trusted hops: the client is the 32nd, read
        Arguments.of(List.of("1.2.3.4," + String.join(",", java.util.Collections.nCopies(31, "10.0.0.7"))),
            "1.2.3.4"),
        Arguments.of(List.of("1.2.3.4", hops40), "10.0.0.9"),
        Arguments.of(concat(List.of("1.2.3.4"), lines40), "10.0.0.9"),
        // a megabyte of garbage left of the client: never scanned past 8 KiB, the client found
        Arguments.of(List.of("x".repeat(1 << 20) + ", 1.2.3.4, 10.0.0.2"), "1.2.3.4"),
        // a huge element right of the client: cut by the limit, so not read
        Arguments.of(List.of("1.2.3.4, " + " ".repeat(ClientAddresses.MAX_HEADER_CHARS) + "10.0.0.2"), "10.0.0.1"),
        // empty elements are skipped but their characters count: 8 KiB of commas ends the walk
        Arguments.of(List.of("1.2.3.4" + ",".repeat(ClientAddresses.MAX_HEADER_CHARS)), "10.0.0.1"),
        Arguments.of(List.of("1.2.3.4" + ",".repeat(ClientAddresses.MAX_HEADER_CHARS - 7)), "1.2.3.4"),
        Arguments.of(List.of("1.2.3.4" + ",".repeat(ClientAddresses.MAX_HEADER_CHARS - 6)), "10.0.0.1"),
        Arguments.of(concat(List.of("1.2.3.4"), java.util.Collections.nCopies(9000, "")), "1.2.3.4"),
        Arguments.of(concat(List.of("1.2.3.4"), java.util.Collections.nCopies(9000, ",")), "10.0.0.1"),
        // exactly at the limit, split over lines: "1.2.3.4" is read, one character more is not
        Arguments.of(List.of("1.2.3.4", " ".repeat(ClientAddresses.MAX_HEADER_CHARS - 7)), "1.2.3.4"),
        Arguments.of(List.of("1.2.3.4", " ".repeat(ClientAddresses.MAX_HEADER_CHARS - 6)), "10.0.0.1"),
        Arguments.of(List.of("\u0000\uD800\uFFFF, 1.2.3.4"), "1.2.3.4"),
        Arguments.of(List.of("1.2.3.4, \u0000\uD800\uFFFF"), "10.0.0.1"),
        Arguments.of(List.of("1.2.3.4, " + "1".repeat(100) + ".2.3.4"), "10.0.0.1"),
        Arguments.of(List.of("1.2.3.4, " + "1:".repeat(100) + ":"), "10.0.0.1"),
        Arguments.of(List.of("1.2.3.4, fe80::1%" + "a".repeat(33)), "10.0.0.1"),
        Arguments.of(List.of("1.2.3.4, fe80::1%" + "a".repeat(32)), "fe80::/64"));
  }

  @ParameterizedTest
  @MethodSource("hostileHeaders")
  void hostileHeadersAreBoundedAndNeverThrow(List<String> xff, String key) {
    assertThat(BEHIND_PROXIES.addressKey(ip(PROXY), xff, List.of())).isEqualTo(key);
  }

  @Test
  void hostileForwardedHeadersAreBoundedToo() {
    String trusted33 = String.join(", ", java.util.Collections.nCopies(33, "for=10.0.0.7"));
    assertThat(FORWARDED.addressKey(ip(PROXY), List.of(), List.of("for=1.2.3.4, " + trusted33))).isEqualTo("10.0.0.7");
    assertThat(FORWARDED.addressKey(ip(PROXY), List.of(),
        List.of("for=\"" + ";".repeat(1 << 20) + "\", for=1.2.3.4"))).isEqualTo("1.2.3.4");
    assertThat(FORWARDED.addressKey(ip(PROXY), List.of(),
        List.of("for=1.2.3.4, proto=http" + ";a=b".repeat(3000)))).isEqualTo("10.0.0.1");
  }

  @Test
  void nullValuesAreSkipped() {
    List<String> values = new ArrayList<>(List.of("1.2.3.4"));
    values.add(null);
    assertThat(BEHIND_PROXIES.addressKey(ip(PROXY), values, List.of())).isEqualTo("1.2.3.4");
  }

  @Test
  void theConfigurationIsCheckedAndKept() {
    ClientAddresses defaults = ClientAddresses.builder().build();
    assertThat(defaults.trustedProxies()).isEmpty();
    assertThat(defaults.ipv6Prefix()).isEqualTo(64);
    assertThat(defaults.header()).isEqualTo(Header.X_FORWARDED_FOR);
    assertThat(BEHIND_PROXIES.trustedProxies())
        .containsExactly(Cidr.parse("10.0.0.0/8"), Cidr.parse("2001:db8:ffff::/48"));
    assertThat(FORWARDED).hasToString(
        "ClientAddresses[trustedProxies=[10.0.0.0/8, 2001:db8:ffff::/48], ipv6Prefix=64, header=FORWARDED]");
    ClientAddresses.Builder builder = ClientAddresses.builder();
    assertThatThrownBy(() -> builder.ipv6Prefix(0)).hasMessage("ipv6Prefix (0) must be within 1..128");
    assertThatThrownBy(() -> builder.ipv6Prefix(129)).hasMessage("ipv6Prefix (129) must be within 1..128");
    assertThatThrownBy(() -> builder.header(null)).hasMessage("header must not be null");
    assertThatThrownBy(() -> builder.trustedProxies((List<Cidr>) null)).hasMessage("trustedProxies must not be null");
    assertThatThrownBy(() -> builder.trustedProxies((String[]) null)).hasMessage("trustedProxies must not be null");
    assertThatThrownBy(() -> builder.trustedProxies(Arrays.asList(Cidr.parse("::1"), null)))
        .hasMessage("trustedProxies[1] must not be null");
    assertThatThrownBy(() -> builder.trustedProxies("10.0.0.0/8", null)).hasMessage("trustedProxies[1] must not be null");
    assertThatThrownBy(() -> builder.trustedProxies("10.0.0.0/88"))
        .hasMessage("cidr '10.0.0.0/88': prefix length 88 is out of range 0..32");
    assertThatThrownBy(() -> defaults.addressKey(null, List.of(), List.of())).hasMessage("peer must not be null");
    assertThatThrownBy(() -> defaults.addressKey(ip(PROXY), null, List.of())).hasMessage("xForwardedFor must not be null");
    assertThatThrownBy(() -> defaults.addressKey(ip(PROXY), List.of(), null)).hasMessage("forwarded must not be null");
    // the builder's list is copied: changing it later changes nothing
    List<Cidr> proxies = new ArrayList<>(List.of(Cidr.parse("10.0.0.0/8")));
    ClientAddresses built = ClientAddresses.builder().trustedProxies(proxies).build();
    proxies.clear();
    assertThat(built.addressKey(ip(PROXY), List.of("1.2.3.4"), List.of())).isEqualTo("1.2.3.4");
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
