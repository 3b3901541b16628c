package dev.sluice.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The two texts of a config: their {@code Dump()} lines and the tree for {@code config check}. */
class DumpAndTreeTest {

  @Test
  void dumpListsEveryRuleAsTheirsDoes() throws Exception {
    RateLimitConfig c = ConfigLoader.load(EnvoyCases.read(EnvoyConfigTest.DIR, List.of("basic_config.yaml")), false);
    assertThat(c.dump()).isEqualTo("""
        test-domain.key1_value1.subkey1: unit=SECOND requests_per_unit=5, shadow_mode: false, quota_mode: false
        test-domain.key1_value1.subkey1_subvalue1: unit=SECOND requests_per_unit=10, shadow_mode: false, quota_mode: false
        test-domain.key2: unit=MINUTE requests_per_unit=20, shadow_mode: false, quota_mode: false
        test-domain.key2_value2: unit=MINUTE requests_per_unit=30, shadow_mode: false, quota_mode: false
        test-domain.key3: unit=HOUR requests_per_unit=1, shadow_mode: false, quota_mode: false
        test-domain.key4: unit=DAY requests_per_unit=1, shadow_mode: false, quota_mode: false
        test-domain.key5_value5: unit=DAY requests_per_unit=15, shadow_mode: false, quota_mode: false
        test-domain.key5_value5.subkey5_subvalue5: unit=DAY requests_per_unit=25, shadow_mode: false, quota_mode: false
        test-domain.key6: unit=UNKNOWN requests_per_unit=0, shadow_mode: false, quota_mode: false
        test-domain.key7: unit=MINUTE requests_per_unit=70, shadow_mode: false, quota_mode: false
        """);
    assertThat(RateLimitConfig.empty().dump()).isEmpty();
  }

  private static final String MIXED = """
      domain: api
      descriptors:
        - key: user
          descriptors:
            - key: plan
              value: free
              shadow_mode: true
              rate_limit: {unit: minute, requests_per_unit: 10, name: free, replaces: [{name: base}]}
            - key: plan
              value: banned
              rate_limit: {unit: second, requests_per_unit: 0}
            - key: plan
              value: staff
              rate_limit: {unlimited: true}
            - key: plan
              value: trial
        - key: path
          value: /search*
          share_threshold: true
          metadata: {team: search}
          rate_limit:
            policies: ["token-bucket capacity=20 rate=100/1m", "fixed-window limit=5000 period=1d"]
        - key: ip
          quota_mode: true
          detailed_metric: true
          value_to_metric: true
          rate_limit: {policy: "sliding-log limit=30 window=1h"}
      """;

  @Test
  void treeShowsEachDescriptorAndWhatItsRuleIs() throws Exception {
    RateLimitConfig c = ConfigLoader.load(List.of(new ConfigFile("mixed.yaml", MIXED),
        new ConfigFile("empty.yaml", "domain: other\n")), false);
    assertThat(c.tree()).isEqualTo("""
        domain api
          user
            plan=free: 10 per minute (fixed window) [shadow_mode, name 'free', replaces [base]]
            plan=banned: 0 per second (fixed window: every request is over the limit)
            plan=staff: unlimited
            plan=trial: no limit
          path=/search*: token-bucket capacity=20 rate=100/1m and fixed-window limit=5000 period=1d \
        (policies 'api.path_/search*#1', 'api.path_/search*#2') [share_threshold, metadata [team]]
          ip: sliding-log limit=30 window=1h (policy 'api.ip') [quota_mode, detailed_metric, value_to_metric]
        domain other
        """);
    assertThat(c.dump()).isEqualTo("""
        api.user.plan_free: unit=MINUTE requests_per_unit=10, shadow_mode: true, quota_mode: false
        api.user.plan_banned: unit=SECOND requests_per_unit=0, shadow_mode: false, quota_mode: false
        api.user.plan_staff: unit=UNKNOWN requests_per_unit=0, shadow_mode: false, quota_mode: false
        api.path_/search*: policies=[token-bucket capacity=20 rate=100/1m; fixed-window limit=5000 period=1d], \
        shadow_mode: false, quota_mode: false
        api.ip: policies=[sliding-log limit=30 window=1h], shadow_mode: false, quota_mode: true
        """);
  }
}
