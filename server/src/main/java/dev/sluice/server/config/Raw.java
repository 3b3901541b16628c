package dev.sluice.server.config;

import java.util.List;
import java.util.Map;

/**
 * A config file as envoyproxy/ratelimit's typed structs hold it after yaml.v2 decoded it
 * ({@code YamlRoot}, {@code YamlDescriptor}, {@code YamlRateLimit}, {@code yamlReplaces}): Go's
 * zero values for what is absent, mutable because yaml.v2 decodes a repeated or merged
 * ({@code <<}) mapping into the same struct, field by field. Plus Sluice's {@code policy} and
 * {@code policies}, and which of {@code unit} and {@code requests_per_unit} were written at all.
 */
final class Raw {
  private Raw() {}

  static final class Root {
    String domain = "";
    List<Descriptor> descriptors;
  }

  static final class Descriptor {
    String key = "";
    String value = "";
    RateLimit rateLimit;
    List<Descriptor> descriptors;
    boolean shadowMode;
    boolean quotaMode;
    boolean detailedMetric;
    boolean valueToMetric;
    boolean shareThreshold;
    Map<String, Object> metadata;
  }

  static final class RateLimit {
    long requestsPerUnit;
    String unit = "";
    boolean unlimited;
    String name = "";
    List<Replaces> replaces;
    /** Sluice: one policy text, or null. */
    String policy;
    /** Sluice: several policy texts, or null. */
    List<String> policies;
    /** Whether {@code unit} was written (Go cannot tell an empty unit from none). */
    boolean unitGiven;
    /** Whether {@code requests_per_unit} was written. */
    boolean requestsPerUnitGiven;
  }

  static final class Replaces {
    String name = "";
  }
}
