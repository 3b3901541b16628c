package dev.sluice.server.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Go's strconv and time.ParseDuration rules: each row is what Go answers for the input. */
class GoSyntaxTest {

  @ParameterizedTest
  @CsvSource({"1,true", "t,true", "T,true", "TRUE,true", "true,true", "True,true",
      "0,false", "f,false", "F,false", "FALSE,false", "false,false", "False,false"})
  void boolsGoAccepts(String s, boolean expected) {
    assertThat(GoSyntax.parseBool(s)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "yes", "no", "on", "off", "tRUE", "fAlse", " true", "true ", "2", "y"})
  void boolsGoRefuses(String s) {
    assertThatThrownBy(() -> GoSyntax.parseBool(s)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @CsvSource({
      "0,0", "8080,8080", "+5,5", "-5,-5", "0x1F,31", "0X1f,31", "0o17,15", "0O17,15", "017,15", "00,0",
      "0b101,5", "0B101,5", "1_000,1000", "0x_1F,31", "-0x10,-16",
      "9223372036854775807,9223372036854775807", "-9223372036854775808,-9223372036854775808"})
  void intsGoAccepts(String s, long expected) {
    assertThat(GoSyntax.parseInt(s)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "+", "-", "08", "0x", "0b2", "1.0", "1e3", "10s", " 1", "1 ", "1__0", "_1", "1_",
      "+-1", "9223372036854775808", "-9223372036854775809", "18446744073709551616", "0xg"})
  void intsGoRefuses(String s) {
    assertThatThrownBy(() -> GoSyntax.parseInt(s)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @CsvSource({"0.8,0.8", "1,1", ".5,0.5", "5.,5", "+0.25,0.25", "-1.5,-1.5", "1e-1,0.1", "1E+2,100",
      "0x1p-2,0.25", "0x.8p1,1", "1_000.5,1000.5", "inf,Infinity", "+Inf,Infinity", "-infinity,-Infinity"})
  void floatsGoAccepts(String s, double expected) {
    assertThat(GoSyntax.parseFloat(s, 64)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".", "e1", "1e", "1e+", "0x1", "0x1.8", "1.5f", "1.5d", " 1", "0.8 ", "1..2", "+nan",
      "infin", "1__0.5", "_1.0", "1e400"})
  void floatsGoRefuses(String s) {
    assertThatThrownBy(() -> GoSyntax.parseFloat(s, 64)).isInstanceOf(IllegalArgumentException.class);
  }

  @org.junit.jupiter.api.Test
  void float32RoundsAndRefusesItsOverflow() {
    assertThat(GoSyntax.parseFloat("0.8", 32)).isEqualTo((double) 0.8f);
    assertThat(GoSyntax.parseFloat("nan", 32)).isNaN();
    assertThatThrownBy(() -> GoSyntax.parseFloat("1e39", 32)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @CsvSource({
      "0,0", "+0,0", "-0,0", "0s,0", "1s,1000000000", "500ms,500000000", "1m30s,90000000000",
      "24h,86400000000000", "1h,3600000000000", "1.5h,5400000000000", "1.s,1000000000", ".5s,500000000",
      "300us,300000", "300\u00b5s,300000", "300\u03bcs,300000", "10ns,10", "-1.5s,-1500000000",
      "1h1m1s1ms1us1ns,3661001001001", "0.000000001s,1", "2562047h47m16.854775807s,9223372036854775807",
      "-2562047h47m16.854775808s,-9223372036854775808"})
  void durationsGoAccepts(String s, long nanos) {
    assertThat(GoSyntax.parseDuration(s)).isEqualTo(Duration.ofNanos(nanos));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "+", "-", "1", "10", "s", ".s", "-.s", "1x", "1S", "1 s", " 1s", "1s ", "1d", "1w",
      "1h-5m", "1.2.3s", "2562047h47m16.854775808s", "9223372036854775808ns", "100000000000000000000ns"})
  void durationsGoRefuses(String s) {
    assertThatThrownBy(() -> GoSyntax.parseDuration(s)).isInstanceOf(IllegalArgumentException.class);
  }
}
