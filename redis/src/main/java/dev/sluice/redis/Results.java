package dev.sluice.redis;

import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.CommandOutput;
import java.nio.ByteBuffer;

/**
 * A script's reply, read straight into a {@code long[]}: a flat array of integers, {@link
 * Protocol#RESULT} per request. Anything else (a nested array, a string, a number that is not an
 * integer) is an error of the command, so a bad reply never reaches a decision.
 */
final class Results extends CommandOutput<String, String, long[]> {

  private int count;

  Results() {
    super(StringCodec.UTF8, null);
  }

  @Override
  public void multi(int size) {
    if (output != null) {
      fail("SLUICE unexpected reply: a nested array");
      return;
    }
    output = new long[Math.max(0, size)];
  }

  @Override
  public void complete(int depth) {
    if (depth == 0 && output != null && count != output.length) {
      fail("SLUICE unexpected reply: " + count + " of " + output.length + " integers");
    }
  }

  @Override
  public void set(long integer) {
    if (output == null || count >= output.length) {
      fail("SLUICE unexpected reply: an integer outside an array");
      return;
    }
    output[count++] = integer;
  }

  @Override
  public void set(ByteBuffer bytes) {
    fail("SLUICE unexpected reply: a string");
  }

  @Override
  public void set(double number) {
    fail("SLUICE unexpected reply: a double");
  }

  @Override
  public void set(boolean value) {
    fail("SLUICE unexpected reply: a boolean");
  }

  /** The first thing wrong is the error. */
  private void fail(String message) {
    if (!hasError()) {
      setError(message);
    }
  }
}
