package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Policies from text and maps, back to text, and one fixture per kind of invalid input. */
class PolicyTextTest {

  private static final ZoneId PRAGUE = ZoneId.of("Europe/Prague");

  @Test
  void everyTypeParsesFromTextAndFormatsBackToItsCanonicalSpec() {
    Map<String, Policy> specs = new LinkedHashMap<>();
    specs.put("token-bucket capacity=20 rate=100/1m", TokenBucket.of("p", 20, 100, Duration.ofMinutes(1)));
    specs.put("token-bucket capacity=30 rate=1/2s", TokenBucket.of("p", 30, 1, Duration.ofSeconds(2)));
    specs.put("fixed-window limit=50 period=1m", FixedWindow.of("p", 50, Window.of(Duration.ofMinutes(1))));
    specs.put("fixed-window limit=53687091200 period=1d zone=Europe/Prague",
        FixedWindow.of("p", 50L << 30, Window.day(PRAGUE)));
    specs.put("fixed-window limit=5 period=1d", FixedWindow.of("p", 5, Window.day()));
    specs.put("fixed-window limit=5 period=24h", FixedWindow.of("p", 5, Window.of(Duration.ofDays(1))));
    specs.put("fixed-window limit=5 period=2d", FixedWindow.of("p", 5, Window.of(Duration.ofDays(2))));
    specs.put("fixed-window limit=5 period=1w zone=Europe/Prague", FixedWindow.of("p", 5, Window.week(PRAGUE)));
    specs.put("fixed-window limit=5 period=1mo", FixedWindow.of("p", 5, Window.month(ZoneOffset.UTC)));
    specs.put("fixed-window limit=5 period=1y zone=+02:00", FixedWindow.of("p", 5, Window.year(ZoneOffset.ofHours(2))));
    specs.put("sliding-log limit=30 window=1h", SlidingLog.of("p", 30, Duration.ofHours(1)));
    specs.put("sliding-log limit=1000000 window=5h granularity=3m",
        SlidingLog.bucketed("p", 1_000_000, Duration.ofHours(5), Duration.ofMinutes(3)));
    specs.put("sliding-counter limit=30 window=1h30m", SlidingCounter.of("p", 30, Duration.ofMinutes(90)));
    specs.put("concurrency slots=5 ttl=10m", Concurrency.of("p", 5, Duration.ofMinutes(10)));
    specs.put("budget limit=1000 period=1d", Budget.daily("p", 1000));
    specs.put("budget limit=1000 period=1mo zone=Europe/Prague reservation-ttl=15m max-reservations=20",
        Budget.of("p", 1000, Window.month(PRAGUE)).withReservationTtl(Duration.ofMinutes(15)).withMaxReservations(20));
    specs.put("sliding-log limit=3 window=1s500ms", SlidingLog.of("p", 3, Duration.ofMillis(1500)));
    specs.put("concurrency slots=1 ttl=1d2h3m4s5ms6us7ns",
        Concurrency.of("p", 1, Duration.ofDays(1).plusHours(2).plusMinutes(3).plusSeconds(4).plusNanos(5_006_007)));
    specs.forEach((spec, policy) -> {
      assertThat(PolicyText.parse("p", spec)).as(spec).isEqualTo(policy);
      assertThat(PolicyText.format(policy)).as(spec).isEqualTo(spec);
    });
  }

  @Test
  void otherSpellingsReadToTheSamePolicies() {
    Map<String, Policy> specs = new LinkedHashMap<>();
    specs.put("token-bucket rate=100/m, capacity=20", TokenBucket.of("p", 20, 100, Duration.ofMinutes(1)));
    specs.put("  token-bucket,capacity=20,rate=100/60s ", TokenBucket.of("p", 20, 100, Duration.ofMinutes(1)));
    // a decimal rate is read exactly: 0.5/s is one token every 2 s, 0.3/m three every 10 minutes
    specs.put("token-bucket capacity=30 rate=0.5/s", TokenBucket.of("p", 30, 1, Duration.ofSeconds(2)));
    specs.put("token-bucket capacity=30 rate=0.30/m", TokenBucket.of("p", 30, 3, Duration.ofMinutes(10)));
    specs.put("token-bucket capacity=1k rate=2.5/PT1S", TokenBucket.of("p", 1000, 5, Duration.ofSeconds(2)));
    specs.put("fixed-window limit=50GiB period=day", FixedWindow.of("p", 50L << 30, Window.day()));
    specs.put("fixed-window limit=1_000_000 period=month zone=UTC", FixedWindow.of("p", 1_000_000, Window.month(ZoneOffset.UTC)));
    specs.put("fixed-window limit=2MB period=week", FixedWindow.of("p", 2_000_000, Window.week(ZoneOffset.UTC)));
    specs.put("fixed-window limit=3M period=year", FixedWindow.of("p", 3_000_000, Window.year(ZoneOffset.UTC)));
    specs.put("fixed-window limit=1KiB period=PT90M", FixedWindow.of("p", 1024, Window.of(Duration.ofMinutes(90))));
    specs.put("budget limit=8PiB period=1d zone=Etc/UTC", Budget.daily("p", 8L << 50));
    specs.put("sliding-log limit=7 window=3600000ms", SlidingLog.of("p", 7, Duration.ofHours(1)));
    specs.forEach((spec, policy) -> assertThat(PolicyText.parse("p", spec)).as(spec).isEqualTo(policy));
  }

  @Test
  void theMapFormTakesTheSameFieldsPlusTheType() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("type", "budget");
    map.put("limit", 1000);
    map.put("period", "1d");
    map.put("reservation-ttl", "10m");
    map.put("max-reservations", 5L);
    assertThat(PolicyText.parse("b", map))
        .isEqualTo(Budget.daily("b", 1000).withReservationTtl(Duration.ofMinutes(10)).withMaxReservations(5));
    Policy p = SlidingLog.bucketed("l", 100, Duration.ofHours(5), Duration.ofMinutes(3));
    assertThat(PolicyText.toMap(p)).containsExactly(
        Map.entry("type", "sliding-log"), Map.entry("limit", "100"), Map.entry("window", "5h"),
        Map.entry("granularity", "3m"));
    assertThat(PolicyText.parse("l", PolicyText.toMap(p))).isEqualTo(p);
    assertThat(PolicyText.parse("c", Map.of("type", "concurrency", "slots", BigInteger.TEN, "ttl", "1m")))
        .isEqualTo(Concurrency.of("c", 10, Duration.ofMinutes(1)));
  }

  /** Seeded generator: any policy the constructors accept formats to a spec that reads back equal. */
  @Test
  void randomPoliciesRoundTrip() {
    SplittableRandom r = new SplittableRandom(20261206);
    ZoneId[] zones = {ZoneOffset.UTC, PRAGUE, ZoneId.of("America/New_York"), ZoneOffset.ofHoursMinutes(5, 30)};
    for (int i = 0; i < 5_000; i++) {
      Duration d = Duration.ofNanos(1 + r.nextLong(i % 2 == 0 ? 1_000_000_000_000L : 1L << 40));
      long n = 1 + r.nextLong(i % 3 == 0 ? Long.MAX_VALUE - 1 : 10_000);
      Window w = switch (r.nextInt(5)) {
        case 0 -> Window.of(d);
        case 1 -> Window.day(zones[r.nextInt(zones.length)]);
        case 2 -> Window.week(zones[r.nextInt(zones.length)]);
        case 3 -> Window.month(zones[r.nextInt(zones.length)]);
        default -> Window.year(zones[r.nextInt(zones.length)]);
      };
      Policy p;
      try {
        p = switch (r.nextInt(6)) {
          case 0 -> TokenBucket.of("r" + i, n, 1 + r.nextLong(1_000_000), d);
          case 1 -> FixedWindow.of("r" + i, n, w);
          case 2 -> SlidingLog.bucketed("r" + i, n, d.multipliedBy(1 + r.nextInt(100)), d);
          case 3 -> SlidingCounter.of("r" + i, n, d);
          case 4 -> Concurrency.of("r" + i, 1 + n % Concurrency.MAX_LIMIT, d);
          default -> new Budget("r" + i, n, w, d, 1 + r.nextInt(Budget.MAX_RESERVATIONS));
        };
      } catch (IllegalArgumentException refused) {
        continue; // e.g. a token bucket too large for exact arithmetic: nothing to format
      }
      String spec = PolicyText.format(p);
      assertThat(PolicyText.parse(p.name(), spec)).as(spec).isEqualTo(p);
      assertThat(PolicyText.parse(p.name(), PolicyText.toMap(p))).as(spec).isEqualTo(p);
    }
  }

  /** One fixture per kind of invalid input: the exact message, and the field it names. */
  @Test
  void everyKindOfInvalidInputNamesTheFieldTheValueAndWhatIsAllowed() {
    record Bad(String spec, String field, String message) {}
    List<Bad> bad = List.of(
        new Bad("", "spec", "spec '' is empty; it starts with the policy's type, one of token-bucket,"
            + " fixed-window, sliding-log, sliding-counter, concurrency, budget"),
        new Bad("leaky-bucket capacity=1", "type", "type 'leaky-bucket' is not a policy type; the types are"
            + " token-bucket, fixed-window, sliding-log, sliding-counter, concurrency, budget"),
        new Bad("capacity=1 token-bucket", "type", "type 'capacity=1' is a field where the policy's type"
            + " belongs; a spec starts with one of token-bucket, fixed-window, sliding-log, sliding-counter,"
            + " concurrency, budget"),
        new Bad("token-bucket capacity rate=1/s", "spec", "spec 'token-bucket capacity rate=1/s' has 'capacity'"
            + " where a field=value pair belongs; the fields of token-bucket are capacity, rate"),
        new Bad("token-bucket capacity=1 rate=1/s burst=4", "burst",
            "burst '4' is not a field of token-bucket; its fields are capacity, rate"),
        new Bad("token-bucket capacity=1 capacity=2 rate=1/s", "capacity",
            "capacity '2' appears twice in 'token-bucket capacity=1 capacity=2 rate=1/s'"),
        new Bad("token-bucket capacity=1", "rate", "rate is missing; token-bucket needs capacity and rate"),
        new Bad("token-bucket capacity=1,,rate=1/s", "spec",
            "spec 'token-bucket capacity=1,,rate=1/s' has an empty item between commas"),
        new Bad("token-bucket capacity=1, rate=1/s,", "spec",
            "spec 'token-bucket capacity=1, rate=1/s,' has an empty item between commas"),
        new Bad("fixed-window limit=ten period=1m", "limit", "limit 'ten' must be a positive whole number,"
            + " optionally with a suffix k, M, G, T, P (x1000), KB .. PB (x1000) or KiB .. PiB (x1024),"
            + " e.g. 100, 1_000, 50GiB"),
        new Bad("fixed-window limit=-1 period=1m", "limit", "limit '-1' must be a positive whole number,"
            + " optionally with a suffix k, M, G, T, P (x1000), KB .. PB (x1000) or KiB .. PiB (x1024),"
            + " e.g. 100, 1_000, 50GiB"),
        new Bad("fixed-window limit=5gb period=1m", "limit", "limit '5gb' must be a positive whole number,"
            + " optionally with a suffix k, M, G, T, P (x1000), KB .. PB (x1000) or KiB .. PiB (x1024),"
            + " e.g. 100, 1_000, 50GiB"),
        new Bad("fixed-window limit=0 period=1m", "limit", "limit '0' must be positive"),
        new Bad("fixed-window limit=8EiB period=1m", "limit", "limit '8EiB' must be a positive whole number,"
            + " optionally with a suffix k, M, G, T, P (x1000), KB .. PB (x1000) or KiB .. PiB (x1024),"
            + " e.g. 100, 1_000, 50GiB"),
        new Bad("fixed-window limit=8192PiB period=1m", "limit",
            "limit '8192PiB' is 9223372036854775808; at most 9223372036854775807"),
        new Bad("sliding-log limit=5 window=1 hour", "spec", "spec 'sliding-log limit=5 window=1 hour' has"
            + " 'hour' where a field=value pair belongs; the fields of sliding-log are limit, window, granularity"),
        new Bad("sliding-log limit=5 window=1hr", "window", "window '1hr' must be a duration: number-unit pairs"
            + " with units ns, us, ms, s, m, h, d (e.g. 90s, 1h30m, 500ms) or ISO-8601 (e.g. PT1H30M)"),
        new Bad("sliding-log limit=5 window=PT1X", "window", "window 'PT1X' must be a duration: number-unit"
            + " pairs with units ns, us, ms, s, m, h, d (e.g. 90s, 1h30m, 500ms) or ISO-8601 (e.g. PT1H30M)"),
        new Bad("sliding-log limit=5 window=0s", "window", "window '0s' must be positive"),
        new Bad("sliding-log limit=5 window=PT-1S", "window", "window 'PT-1S' must not be negative"),
        new Bad("sliding-counter limit=5 window=54000d", "window",
            "window '54000d' exceeds the maximum of 2^62 ns (about 146 years)"),
        new Bad("token-bucket capacity=1 rate=fast", "rate", "rate 'fast' must be <decimal>/<duration>, e.g."
            + " 100/1m, 0.5/s, 5/h"),
        new Bad("token-bucket capacity=1 rate=-1/s", "rate", "rate '-1/s' must be <decimal>/<duration>, e.g."
            + " 100/1m, 0.5/s, 5/h"),
        new Bad("token-bucket capacity=1 rate=0.0/s", "rate", "rate '0.0/s' must be positive"),
        new Bad("token-bucket capacity=1 rate=1/0s", "rate", "rate '1/0s' must have a positive period"),
        new Bad("token-bucket capacity=1 rate=1/fortnight", "rate", "rate '1/fortnight' must be a duration:"
            + " number-unit pairs with units ns, us, ms, s, m, h, d (e.g. 90s, 1h30m, 500ms) or ISO-8601"
            + " (e.g. PT1H30M)"),
        new Bad("token-bucket capacity=1 rate=99999999999999999999/s", "rate",
            "rate '99999999999999999999/s' is 99999999999999999999 tokens per period; at most 9223372036854775807"),
        new Bad("token-bucket capacity=1 rate=0.000000001/50000d", "rate", "rate '0.000000001/50000d' is 1 tokens"
            + " per 4320000000000000000000000000 ns; the period must be at most 2^62 ns (about 146 years)"),
        new Bad("token-bucket capacity=4611686018427387904 rate=1/s", "spec",
            "spec 'token-bucket capacity=4611686018427387904 rate=1/s' is refused: capacity (4611686018427387904)"
                + " with refillTokens (1) per refillPeriod (PT1S) needs capacity * refillPeriod /"
                + " gcd(refillPeriod, refillTokens) = 4611686018427387904 * 1000000000 ns <= 2^62 for exact"
                + " arithmetic; lower the capacity or use a refill amount that divides the period more evenly"),
        new Bad("fixed-window limit=5 period=fortnight", "period", "period 'fortnight' must be a calendar period"
            + " (1d or day, 1w or week, 1mo or month, 1y or year) or a fixed length such as 12h, 2d or PT90M"),
        new Bad("fixed-window limit=5 period=0s", "period", "period '0s' must be positive"),
        new Bad("fixed-window limit=5 period=24h zone=Europe/Prague", "zone", "zone 'Europe/Prague' applies only"
            + " to a calendar period (1d, 1w, 1mo, 1y); period=24h is a fixed length aligned to the epoch"),
        new Bad("fixed-window limit=5 period=1d zone=Mars/Olympus", "zone", "zone 'Mars/Olympus' is not a time"
            + " zone; use a region such as Europe/Prague or an offset such as +02:00 or UTC"),
        new Bad("sliding-log limit=20000 window=1h", "spec", "spec 'sliding-log limit=20000 window=1h' is refused:"
            + " limit (20000) would let one key's sliding log grow to 20000 entries; the sliding log is capped"
            + " at 10000 — use a granularity (time buckets) or SlidingCounter for large limits"),
        new Bad("budget limit=5 period=1d max-reservations=20000", "max-reservations",
            "max-reservations '20000' must be within [1, 10000]"),
        new Bad("concurrency slots=5", "ttl", "ttl is missing; concurrency needs slots and ttl"));
    for (Bad b : bad) {
      assertThatThrownBy(() -> PolicyText.parse("q", b.spec()))
          .as(b.spec())
          .isInstanceOfSatisfying(PolicyTextException.class, e -> {
            assertThat(e.getMessage()).isEqualTo("policy 'q': " + b.message());
            assertThat(e.field()).isEqualTo(b.field());
            assertThat(e.policy()).isEqualTo("q");
            assertThat(e.detail()).isEqualTo(b.message());
          });
    }
    assertThatThrownBy(() -> PolicyText.parse("q", (String) null)).hasMessage("policy 'q': spec must not be null");
    assertThatThrownBy(() -> PolicyText.parse(" ", "concurrency slots=1 ttl=1s"))
        .hasMessage("name ' ' must be 1 to 128 characters and not blank");
    assertThatThrownBy(() -> PolicyText.parse("q", (Map<String, ?>) null)).hasMessage("policy 'q': map must not be null");
  }

  @Test
  void theMapFormRefusesWhatTheTextFormRefusesAndValuesThatAreNotTextOrWholeNumbers() {
    assertThatThrownBy(() -> PolicyText.parse("q", Map.of("limit", 5)))
        .hasMessage("policy 'q': type is missing; it is one of token-bucket, fixed-window, sliding-log,"
            + " sliding-counter, concurrency, budget");
    assertThatThrownBy(() -> PolicyText.parse("q", Map.of("type", "token-bucket", "capacity", 2.5, "rate", "1/s")))
        .hasMessage("policy 'q': capacity '2.5' must be text or a whole number, not Double");
    Map<String, Object> nullValue = new HashMap<>();
    nullValue.put("type", "concurrency");
    nullValue.put("slots", null);
    nullValue.put("ttl", "1s");
    assertThatThrownBy(() -> PolicyText.parse("q", nullValue))
        .hasMessage("policy 'q': slots 'null' must be text or a whole number, not null");
    Map<String, Object> nullKey = new HashMap<>();
    nullKey.put("type", "concurrency");
    nullKey.put(null, "1");
    assertThatThrownBy(() -> PolicyText.parse("q", nullKey)).hasMessageStartingWith("policy 'q': map '{")
        .hasMessageEndingWith("' has a null field name");
    assertThatThrownBy(() -> PolicyText.parse("q", Map.of("type", "concurrency", "slots", -3, "ttl", "1s")))
        .hasMessageStartingWith("policy 'q': slots '-3' must be a positive whole number");
  }
}
