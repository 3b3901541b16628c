package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Ranges read without name lookups, containment in both families, and one message per error. */
class CidrTest {

  /** An address from its literal bytes only: getByName of a literal never resolves. */
  static InetAddress ip(String literal) {
    byte[] a = IpLiterals.parse(literal);
    assertThat(a).as(literal).isNotNull();
    try {
      return InetAddress.getByAddress(a);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  @ParameterizedTest(name = "{0} contains {1}: {2}")
  @CsvSource({
      "10.0.0.0/8, 10.0.0.0, true",
      "10.0.0.0/8, 10.255.255.255, true",
      "10.0.0.0/8, 11.0.0.0, false",
      "10.0.0.0/8, 9.255.255.255, false",
      "192.168.1.0/25, 192.168.1.127, true",
      "192.168.1.0/25, 192.168.1.128, false",
      "172.16.0.0/12, 172.31.255.255, true",
      "172.16.0.0/12, 172.32.0.0, false",
      "192.0.2.7, 192.0.2.7, true",
      "192.0.2.7, 192.0.2.8, false",
      "0.0.0.0/0, 203.0.113.9, true",
      "0.0.0.0/0, 2001:db8::1, false",
      "2001:db8::/32, 2001:db8:ffff:ffff:ffff:ffff:ffff:ffff, true",
      "2001:db8::/32, 2001:db9::, false",
      "2001:db8::/33, 2001:db8:7fff::1, true",
      "2001:db8::/33, 2001:db8:8000::, false",
      "::1, ::1, true",
      "::1, ::2, false",
      "::1, 0.0.0.1, false",
      "10.0.0.0/8, ::ffff:10.1.2.3, true",
      "10.0.0.0/8, ::ffff:11.1.2.3, false",
      "10.0.0.0/8, ::a01:203, false",
      "::ffff:10.0.0.0/104, 10.9.9.9, true",
      "::ffff:0:0/96, 198.51.100.1, true",
      "::/0, 198.51.100.1, true",
      "::/0, 2001:db8::1, true",
  })
  void containsAddressesOfBothFamiliesWithMappedIpv4AsIpv4(String cidr, String address, boolean contains) {
    assertThat(Cidr.parse(cidr).contains(ip(address))).isEqualTo(contains);
  }

  @Test
  void anInet6AddressHoldingAMappedAddressIsMatchedAsIpv4AndAZoneIsIgnored() throws Exception {
    // getByAddress(byte[]) turns a mapped address into an Inet4Address; this keeps it IPv6.
    InetAddress mapped = Inet6Address.getByAddress(null, IpLiterals.mapped(new byte[] {10, 1, 2, 3}), null);
    assertThat(mapped).isInstanceOf(Inet6Address.class);
    assertThat(Cidr.parse("10.0.0.0/8").contains(mapped)).isTrue();
    assertThat(Cidr.parse("11.0.0.0/8").contains(mapped)).isFalse();
    InetAddress zoned = Inet6Address.getByAddress(null, ip("fe80::1").getAddress(), 3);
    assertThat(Cidr.parse("fe80::/10").contains(zoned)).isTrue();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "10.0.0.0/8, 10.0.0.0/8, true, 8",
      "192.0.2.7, 192.0.2.7/32, true, 32",
      "0.0.0.0/0, 0.0.0.0/0, true, 0",
      "2001:DB8::/32, 2001:db8::/32, false, 32",
      "2001:0db8:0000:0000:0000:0000:0000:0000/32, 2001:db8::/32, false, 32",
      "::1, ::1/128, false, 128",
      "::, ::/128, false, 128",
      "2001:db8:0:0:1:0:0:0/80, 2001:db8:0:0:1::/80, false, 80",
      "1:0:0:2:0:0:3:4, 1::2:0:0:3:4/128, false, 128",
      "1:2:0:4:5:6:7:8, 1:2:0:4:5:6:7:8/128, false, 128",
      "2001:db8:0:1:0:0:0:0/64, 2001:db8:0:1::/64, false, 64",
      "1:0:0:2:0:0:0:0/64, 1:0:0:2::/64, false, 64",
      "::ffff:10.0.0.0/104, 10.0.0.0/8, true, 8",
      "::ffff:192.0.2.7, 192.0.2.7/32, true, 32",
      "::fffe:0:0/96, ::fffe:0:0/96, false, 96",
      "::a00:0/104, ::a00:0/104, false, 104",
      "::ffff:0:0/96, 0.0.0.0/0, true, 0",
  })
  void parsesToACanonicalFormThatReadsBack(String text, String canonical, boolean ipv4, int prefix) {
    Cidr cidr = Cidr.parse(text);
    assertThat(cidr).hasToString(canonical);
    assertThat(cidr.isIpv4()).isEqualTo(ipv4);
    assertThat(cidr.prefixLength()).isEqualTo(prefix);
    assertThat(Cidr.parse(canonical)).isEqualTo(cidr).hasSameHashCodeAs(cidr);
  }

  @Test
  void rangesDifferingInPrefixOrNetworkAreNotEqual() {
    assertThat(Cidr.parse("10.0.0.0/8")).isNotEqualTo(Cidr.parse("10.0.0.0/9"))
        .isNotEqualTo(Cidr.parse("11.0.0.0/8")).isNotEqualTo(Cidr.parse("::a00:0/104"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "''| cidr '': '' is not an IPv4 or IPv6 address literal",
      "/8| cidr '/8': '' is not an IPv4 or IPv6 address literal",
      "example.com| cidr 'example.com': 'example.com' is not an IPv4 or IPv6 address literal",
      "example.com/8| cidr 'example.com/8': 'example.com' is not an IPv4 or IPv6 address literal",
      "localhost| cidr 'localhost': 'localhost' is not an IPv4 or IPv6 address literal",
      "10.0.0| cidr '10.0.0': '10.0.0' is not an IPv4 or IPv6 address literal",
      "10.0.0.256| cidr '10.0.0.256': '10.0.0.256' is not an IPv4 or IPv6 address literal",
      "010.0.0.0/8| cidr '010.0.0.0/8': '010.0.0.0' is not an IPv4 or IPv6 address literal",
      "10.0.0.0.0| cidr '10.0.0.0.0': '10.0.0.0.0' is not an IPv4 or IPv6 address literal",
      "1.2.3.4 /32| cidr '1.2.3.4 /32': '1.2.3.4 ' is not an IPv4 or IPv6 address literal",
      "2001:db8:::/32| cidr '2001:db8:::/32': '2001:db8:::' is not an IPv4 or IPv6 address literal",
      "1::2::3| cidr '1::2::3': '1::2::3' is not an IPv4 or IPv6 address literal",
      "1:2:3:4:5:6:7:8:9| cidr '1:2:3:4:5:6:7:8:9': '1:2:3:4:5:6:7:8:9' is not an IPv4 or IPv6 address literal",
      "1:2:3:4:5:6:7::8| cidr '1:2:3:4:5:6:7::8': '1:2:3:4:5:6:7::8' is not an IPv4 or IPv6 address literal",
      "12345::| cidr '12345::': '12345::' is not an IPv4 or IPv6 address literal",
      "[::1]/128| cidr '[::1]/128': '[::1]' is not an IPv4 or IPv6 address literal",
      "fe80::1%eth0/64| cidr 'fe80::1%eth0/64' has a zone id; a range has none",
      "10.0.0.0/33| cidr '10.0.0.0/33': prefix length 33 is out of range 0..32",
      "2001:db8::/129| cidr '2001:db8::/129': prefix length 129 is out of range 0..128",
      "::ffff:10.0.0.0/129| cidr '::ffff:10.0.0.0/129': prefix length 129 is out of range 0..128",
      "10.0.0.0/| cidr '10.0.0.0/': prefix length '' is not a decimal number from 0 to 32",
      "10.0.0.0/-1| cidr '10.0.0.0/-1': prefix length '-1' is not a decimal number from 0 to 32",
      "10.0.0.0/08| cidr '10.0.0.0/08': prefix length '08' is not a decimal number from 0 to 32",
      "10.0.0.0/8/8| cidr '10.0.0.0/8/8': prefix length '8/8' is not a decimal number from 0 to 32",
      "::/99999999999| cidr '::/99999999999': prefix length '99999999999' is not a decimal number from 0 to 128",
      "10.0.0.1/8| cidr '10.0.0.1/8' has bits set after the prefix; the range is 10.0.0.0/8",
      "2001:db8::1/64| cidr '2001:db8::1/64' has bits set after the prefix; the range is 2001:db8::/64",
      "::ffff:0:0/80| cidr '::ffff:0:0/80' has bits set after the prefix; the range is ::/80",
      "::ffff:10.0.0.1/104| cidr '::ffff:10.0.0.1/104' has bits set after the prefix; the range is 10.0.0.0/8",
  })
  void badRangesAreRefusedNamingTheValueAndTheFault(String text, String message) {
    assertThatThrownBy(() -> Cidr.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void nullsAreRefusedAndControlCharactersAreEscapedInMessages() {
    assertThatThrownBy(() -> Cidr.parse(null)).hasMessage("cidr must not be null");
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0/8").contains(null)).hasMessage("address must not be null");
    assertThatThrownBy(() -> Cidr.parse("1.2.3.4\n"))
        .hasMessage("cidr '1.2.3.4\\u000A': '1.2.3.4\\u000A' is not an IPv4 or IPv6 address literal");
  }
}
