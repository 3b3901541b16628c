#!/usr/bin/env bash
# Builds bench/target/benchmarks.jar and measures the Servlet filter's overhead (issue 16): a Jetty
# 12.1 servlet returning a fixed body without and with SluiceFilter (in-memory store), wrk -c64,
# rounds interleaved (dev.sluice.bench.http.FilterReport). Target: with the filter >= 0.9x the
# requests/s without it. Needs wrk on the PATH (Debian: apt-get install wrk).
#   bench/filter.sh                                   # 20 s JIT warmup each, then 3 rounds (ABBA), 10 s warmup + 10 s each
#   bench/filter.sh --rounds 1 --warmup 3 --time 5    # a quick check
# The table is printed and written to bench/target/filter-report.md.
set -euo pipefail
cd "$(dirname "$0")/.."
command="bench/filter.sh$([ $# -eq 0 ] || printf ' %q' "$@")"
${MVN:-./mvnw} -q -B -pl bench -am package -DskipTests
exec java -Xms1g -Xmx1g -XX:+UseG1GC -cp bench/target/benchmarks.jar dev.sluice.bench.http.FilterReport \
  --command "$command" "$@"
