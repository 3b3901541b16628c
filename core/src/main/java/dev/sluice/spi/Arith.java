package dev.sluice.spi;

import java.math.BigInteger;

/** Saturating and exact integer helpers for non-negative operands. */
final class Arith {
  private Arith() {}

  static long satAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r;
  }

  /** a * b for non-negative operands, saturated at {@link Long#MAX_VALUE}. */
  static long satMul(long a, long b) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    return hi != 0 || lo < 0 ? Long.MAX_VALUE : lo;
  }

  /** ceil(a / b) for a >= 0, b > 0. */
  static long ceilDiv(long a, long b) {
    long q = a / b;
    return q * b == a ? q : q + 1;
  }

  /** floor(a * b / d) for non-negative a, b and positive d, saturated at Long.MAX_VALUE. */
  static long mulDivFloor(long a, long b, long d) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    if (hi == 0 && lo >= 0) {
      return lo / d;
    }
    BigInteger q = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).divide(BigInteger.valueOf(d));
    return q.bitLength() < 64 ? q.longValue() : Long.MAX_VALUE;
  }

  /** Compares a * b with c * d for non-negative operands, exactly. */
  static int compareProducts(long a, long b, long c, long d) {
    long h1 = Math.multiplyHigh(a, b);
    long h2 = Math.multiplyHigh(c, d);
    if (h1 != h2) {
      return Long.compare(h1, h2);
    }
    return Long.compareUnsigned(a * b, c * d);
  }
}
