package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Script replies read into a long[]: a flat array of integers, and nothing else. */
class ResultsTest extends DirectRedisTest {

  private static long[] eval(String script) {
    CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).add(script).add(0);
    return evalResults(args, Duration.ofSeconds(10));
  }

  @Test
  void readsAFlatArrayOfIntegers() {
    assertThat(eval("return {0, 5, -1, 9007199254740991, 1800000000000000}"))
        .containsExactly(0, 5, -1, 9007199254740991L, 1800000000000000L);
    assertThat(eval("return {}")).isEmpty();
  }

  @Test
  void anythingElseIsAnErrorOfTheCommand() {
    assertThatThrownBy(() -> eval("return {1, {2, 3}}")).hasMessageContaining("SLUICE unexpected reply: a nested array");
    assertThatThrownBy(() -> eval("return {1, 'x'}")).hasMessageContaining("SLUICE unexpected reply: a string");
    assertThatThrownBy(() -> eval("return 7")).hasMessageContaining("SLUICE unexpected reply: an integer outside an array");
    assertThatThrownBy(() -> eval("return 'x'")).hasMessageContaining("SLUICE unexpected reply: a string");
  }

  @Test
  void errorRepliesStayErrors() {
    assertThatThrownBy(() -> eval("return redis.error_reply('SLUICE bad cost of request 1: -1')"))
        .hasMessageContaining("SLUICE bad cost of request 1: -1");
  }
}
