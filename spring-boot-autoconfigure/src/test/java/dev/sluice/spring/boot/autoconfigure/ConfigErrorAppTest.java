package dev.sluice.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sluice.http.QuotaConfig.StoreSpec;
import dev.sluice.spi.FailurePolicy;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** Bad configuration fails the application's start, naming the property's path. */
class ConfigErrorAppTest {

  private static String failure(String config) {
    Throwable t = catchThrowable(() -> Apps.start(MvcApp.class, config).close());
    assertThat(t).as("the start of %s", config).isNotNull();
    return Apps.messages(t);
  }

  @Test
  void anUnknownKeyIsRefused() {
    assertThat(failure("unknown-key")).contains("sluice.rules[0].anonymus");
  }

  @Test
  void anUnknownPolicyIsRefusedNamingThePathAndThePolicies() {
    assertThat(failure("unknown-policy")).contains(SluiceAutoConfiguration.ORIGIN
        + ": sluice.rules[1].anonymous[0]: unknown policy 'anon-dayly'; the policies are anon-daily, client-daily");
  }

  @Test
  void perClientRulesWithoutAnIdentitySourceAreRefused() {
    assertThat(failure("no-identity")).contains("no identity source is configured");
  }

  @Test
  void aRateLimitedMethodWithAnUnknownPolicyIsRefused() {
    // any of the three annotated methods may be checked first
    assertThat(failure("unknown-annotation-policy")).containsPattern("@RateLimited on "
        + java.util.regex.Pattern.quote(Apps.Reports.class.getName()) + "\\.(report|bulk|search): unknown policy 'exports';"
        + " the policies are anon\n");
  }

  @Test
  void aMissingStoreModuleIsNamed() {
    // a class loader that has no Sluice classes: as an application without sluice-sqlite / sluice-redis
    ClassLoader without = new ClassLoader(null) {};
    StoreSpec sqlite = new StoreSpec(StoreSpec.Type.SQLITE, Optional.of("q.db"), Optional.empty(), false,
        FailurePolicy.closed());
    assertThatThrownBy(() -> Stores.build(sqlite, without)).isInstanceOf(IllegalStateException.class)
        .hasMessage("sluice.store.type is sqlite but dev.sluice.sqlite.SqliteStore is not on the classpath:"
            + " add the dependency dev.sluice:sluice-sqlite");
    StoreSpec redis = new StoreSpec(StoreSpec.Type.REDIS, Optional.empty(), Optional.of("redis://127.0.0.1:1"),
        false, FailurePolicy.open());
    assertThatThrownBy(() -> Stores.build(redis, without)).hasMessageContaining("add the dependency dev.sluice:sluice-redis");
  }
}
