package dev.sluice.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The multiply-instead-of-divide helper agrees with {@code /} on its whole domain's edges and at random. */
class DividerTest {

  private static final long MAX = 1L << 62;

  @Test
  void agreesWithHardwareDivision() {
    long seed = 0x5EED_D1F1DEL;
    SplittableRandom rnd = new SplittableRandom(seed);
    List<Long> divisors = new ArrayList<>(List.of(1L, 2L, 3L, 5L, 6L, 7L, 10L, 1_000_000_000L, 600_000_000L,
        10_000_000_000L, MAX, MAX - 1, MAX / 3, (1L << 32) + 1));
    for (int b = 1; b < 62; b++) {
      divisors.add(1L << b);
      divisors.add((1L << b) + 1);
      divisors.add((1L << b) - 1);
    }
    for (int i = 0; i < 2_000; i++) {
      divisors.add(1 + rnd.nextLong(MAX));
      divisors.add(1 + rnd.nextLong(1L << rnd.nextInt(1, 62)));
    }
    for (long d : divisors) {
      Divider div = new Divider(d);
      for (long n : numerators(d, rnd)) {
        assertThat(div.divide(n)).as("seed %x: %d / %d", seed, n, d).isEqualTo(n / d);
      }
    }
  }

  private static long[] numerators(long d, SplittableRandom rnd) {
    long q = MAX / d;
    return new long[] {0, 1, d - 1, d, d + 1, MAX, MAX - 1, q * d, q * d - 1, Math.max(0, (q - 1) * d + d - 1),
        rnd.nextLong(MAX + 1), rnd.nextLong(MAX + 1), rnd.nextLong((d > MAX / 3 ? MAX : d * 3) + 1)};
  }

  @Test
  void refusesDivisorsOutsideItsDomain() {
    assertThatThrownBy(() -> new Divider(0)).hasMessageContaining("divisor (0)");
    assertThatThrownBy(() -> new Divider(MAX + 1)).hasMessageContaining("divisor (" + (MAX + 1) + ")");
  }
}
