#!/usr/bin/env bash
# Builds bench/target/benchmarks.jar and runs the whole side-by-side suite (Sluice vs Bucket4j,
# Resilience4j and Guava), printing one Markdown report with the ratios and the targets, also
# written to bench/target/report.md. Arguments go to dev.sluice.bench.Report, e.g.
#   bench/run.sh                      # default: about 13 minutes on 2 cores
#   bench/run.sh --long               # 5 forks, 3 x 2 s warmup, 5 x 2 s measurement
#   bench/run.sh --include 'OneKeyOneThread' --no-footprint
# MVN overrides the build command (e.g. MVN="mvn -o" to build offline with a local Maven).
set -euo pipefail
cd "$(dirname "$0")/.."
${MVN:-./mvnw} -q -B -pl bench -am package -DskipTests
rev="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if ! git diff --quiet HEAD -- core 2>/dev/null; then
  rev="$rev, with uncommitted changes under core/"
fi
exec java -cp bench/target/benchmarks.jar dev.sluice.bench.Report \
  --note "Sluice measured: core at commit $rev" "$@"
