#!/usr/bin/env bash
# Builds bench/target/benchmarks.jar and runs the Redis benchmark side by side (Bucket4j's Lettuce
# integration, a one-key GCRA script, a two-key token bucket script, Sluice's RedisStore): 64
# callers, one hot key and 100,000 keys, against a redis-server that the run starts on a free
# loopback port and stops by its PID. Prints one Markdown table, also written to
# bench/target/redis-report.md. Arguments go to dev.sluice.bench.redis.RedisReport, e.g.
#   bench/redis.sh                          # default: 5 s warmup + 10 s per row and key set
#   bench/redis.sh --rounds 3               # every row three times, interleaved; median shown
#   bench/redis.sh --warmup 2 --time 5 --rows 'gcra|sluice.*'
#   bench/redis.sh --quiet-wait 120         # first wait (up to 120 s) for other load to stop
# Needs redis-server on the PATH (Debian: apt-get install redis-server) or --redis-server PATH.
# MVN overrides the build command (e.g. MVN="mvn -o" to build offline with a local Maven).
set -euo pipefail
cd "$(dirname "$0")/.."
${MVN:-./mvnw} -q -B -pl bench -am package -DskipTests
rev="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if ! git diff --quiet HEAD -- core redis 2>/dev/null; then
  rev="$rev, with uncommitted changes under core/ or redis/"
fi
exec java -Xms1g -Xmx1g -cp bench/target/benchmarks.jar dev.sluice.bench.redis.RedisReport \
  --note "Sluice measured: core and redis at commit $rev" "$@"
