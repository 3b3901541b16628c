package dev.sluice.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Units as their {@code UnitToDivider} sizes them and their config spells them. */
class UnitTest {

  @Test
  void lengthsAreTheirDividers() {
    assertThat(Unit.SECOND.seconds()).isEqualTo(1);
    assertThat(Unit.MINUTE.seconds()).isEqualTo(60);
    assertThat(Unit.HOUR.seconds()).isEqualTo(3_600);
    assertThat(Unit.DAY.seconds()).isEqualTo(86_400);
    assertThat(Unit.WEEK.seconds()).isEqualTo(7 * 86_400);
    assertThat(Unit.MONTH.seconds()).isEqualTo(30 * 86_400);
    assertThat(Unit.YEAR.seconds()).isEqualTo(365 * 86_400);
  }

  @Test
  void namesAreReadAsGoUpperCasesThem() {
    Map<String, Optional<Unit>> table = new LinkedHashMap<>();
    table.put("second", Optional.of(Unit.SECOND));
    table.put("SECOND", Optional.of(Unit.SECOND));
    table.put("mInUtE", Optional.of(Unit.MINUTE));
    table.put("week", Optional.of(Unit.WEEK));
    table.put("\u017Fecond", Optional.of(Unit.SECOND)); // long s: Go's ToUpper gives S
    table.put("m\u0131nute", Optional.of(Unit.MINUTE)); // dotless i: Go's ToUpper gives I
    table.put("unknown", Optional.empty()); // their UNKNOWN is no unit
    table.put("UNKNOWN", Optional.empty());
    table.put("", Optional.empty());
    table.put(" second", Optional.empty());
    table.put("seconds", Optional.empty());
    table.put(null, Optional.empty());
    table.forEach((text, unit) -> assertThat(Unit.parse(text)).as("'%s'", text).isEqualTo(unit));
  }
}
