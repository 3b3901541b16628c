/**
 * envoyproxy/ratelimit's config files, read verbatim and checked as theirs checks them, and the
 * lookup of the rule for a request descriptor.
 *
 * <p>{@link dev.sluice.server.config.ConfigLoader} reads files into an immutable
 * {@link dev.sluice.server.config.RateLimitConfig}, or refuses them with a
 * {@link dev.sluice.server.config.ConfigException} that names the file, the path in its tree and
 * the reason. {@link dev.sluice.server.config.RateLimitConfig#lookup} gives the
 * {@link dev.sluice.server.config.RateLimitRule} for a descriptor, with their full (stats) key.
 * Files are read as gopkg.in/yaml.v2 reads them (YAML 1.1 scalars); outcomes were checked
 * against yaml.v2 v2.4.0 itself. Sluice adds {@code policy}/{@code policies} inside
 * {@code rate_limit}: Sluice rate policies in {@link dev.sluice.PolicyText}'s syntax.
 */
package dev.sluice.server.config;
