package dev.sluice.server.settings;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Metrics. Sluice exports them for Prometheus only: statsd and DogStatsD are refused when asked
 * for (see {@link Settings#reference()}).
 *
 * @param enabled not {@code DISABLE_STATS} (default false), which turns every metric off
 * @param prometheus {@code USE_PROMETHEUS} (default false), unless stats are disabled
 * @param prometheusHost the host part of {@code PROMETHEUS_ADDR} (default {@code :9090}); empty
 *     means every interface
 * @param prometheusPort the port part of {@code PROMETHEUS_ADDR}
 * @param prometheusPath {@code PROMETHEUS_PATH}, default {@code /metrics}
 * @param responseTimeInMilliseconds {@code PROMETHEUS_RESPONSE_TIME_AS_MILLISECONDS}, default
 *     false (seconds)
 * @param extraTags {@code EXTRA_TAGS} ({@code k1:v1,k2:v2}), default none: tags on every metric
 */
public record StatsSettings(boolean enabled, boolean prometheus, String prometheusHost, int prometheusPort,
    String prometheusPath, boolean responseTimeInMilliseconds, Map<String, String> extraTags) {

  /**
   * Checks and copies the components.
   *
   * @throws NullPointerException if a component is null
   */
  public StatsSettings {
    Objects.requireNonNull(prometheusHost, "prometheusHost");
    Objects.requireNonNull(prometheusPath, "prometheusPath");
    extraTags = Collections.unmodifiableMap(new LinkedHashMap<>(extraTags));
  }
}
