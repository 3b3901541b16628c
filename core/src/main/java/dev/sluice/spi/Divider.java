package dev.sluice.spi;

import java.math.BigInteger;

/**
 * Exact division of numerators in {@code [0, 2^62]} by a divisor fixed at construction, with one
 * multiply instead of a hardware divide (which costs tens of nanoseconds on some server CPUs and
 * sits on every decision's path).
 *
 * <p>Granlund and Montgomery's method: for a divisor {@code d >= 3} let {@code k =
 * ceil(log2 d) - 2} and {@code m = ceil(2^(64+k) / d)}, so {@code 2^(k+1) < d <= 2^(k+2)} and
 * {@code m < 2^63}. With {@code e = m*d - 2^(64+k)}, {@code 0 <= e < d}, and for
 * {@code n = q*d + r}: {@code m*n / 2^(64+k) = q + (r + e*n / 2^(64+k)) / d}, where
 * {@code e*n < 2^(k+2) * 2^62 = 2^(64+k)}; so the fraction stays below one and
 * {@code floor(m*n / 2^(64+k)) = q} exactly: the high word of the 128-bit product, shifted right
 * by {@code k}. Divisors 1 and 2 are shifts.
 */
final class Divider {
  private final long divisor;
  private final long magic;
  private final int shift;

  Divider(long divisor) {
    if (divisor <= 0 || divisor > (1L << 62)) {
      throw new IllegalArgumentException("divisor (" + divisor + ") must be in [1, 2^62]");
    }
    this.divisor = divisor;
    if (divisor <= 2) {
      this.magic = 0;
      this.shift = divisor == 1 ? 0 : 1;
    } else {
      int k = (64 - Long.numberOfLeadingZeros(divisor - 1)) - 2; // ceil(log2 d) - 2
      BigInteger pow = BigInteger.ONE.shiftLeft(64 + k);
      BigInteger[] qr = pow.divideAndRemainder(BigInteger.valueOf(divisor));
      BigInteger m = qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
      this.magic = m.longValueExact();
      this.shift = k;
    }
  }

  /** floor(n / divisor) for {@code 0 <= n <= 2^62}. */
  long divide(long n) {
    return magic == 0 ? n >>> shift : Math.multiplyHigh(magic, n) >>> shift;
  }

  long divisor() {
    return divisor;
  }
}
