#!/usr/bin/env bash
# Builds bench/target/benchmarks.jar and runs the server's benchmarks side by side, each row next
# to its reference, in one run (dev.sluice.bench.server.ServerReport):
#   grpc-empty, grpc     gRPC ShouldRateLimit on the memory store vs an empty grpc-java service on
#                        the server's own listener (target >= 0.8x calls/s); 64 calls in flight
#   http-bare, http      POST /json with wrk -c64 vs a bare Netty 4.2 endpoint answering the same
#                        bytes (target >= 0.8x requests/s, p99 <= 5 ms); needs wrk on the PATH
#                        (Debian: apt-get install wrk), else these rows are skipped
#   http-bare-paced, http-paced   the same, each wrk connection waiting --paced-delay ms (2) after
#                        each answer: the latency below saturation (target p99 <= 5 ms)
#   store-redis, grpc-redis   BACKEND_TYPE=redis through gRPC vs the Redis store alone, against a
#                        redis-server the run starts on a free loopback port and stops by its PID
#   memory               the server JVM's RSS after start and after 1,000,000 distinct keys
# Every server runs in a child JVM of its own (bench jar, --server-jvm options), on ephemeral
# loopback ports; the gRPC load generator in this JVM. Prints one Markdown table with the exact
# command, also written to bench/target/server-report.md. Arguments go to ServerReport, e.g.
#   bench/server.sh                           # default: 5 s warmup + 10 s per row, about 4 minutes
#   bench/server.sh --rounds 3 --warmup 40 --quiet-wait 120   # the documented run: three interleaved rounds, after G1 has promoted the keys
#   bench/server.sh --warmup 1 --time 3       # a quick check
#   bench/server.sh --rows 'grpc.*'           # only some rows (ids above)
#   bench/server.sh --server-jvm '-Xms512m -Xmx512m -XX:+UseG1GC'
# bench/server.sh --help lists every option. MVN overrides the build command (e.g. MVN="mvn -o").
set -euo pipefail
cd "$(dirname "$0")/.."
command="bench/server.sh$(printf ' %q' "$@")"
${MVN:-./mvnw} -q -B -pl bench -am package -DskipTests
rev="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git status --porcelain -- core/src/main redis/src/main server/src/main bench/src/main 2>/dev/null)" ]; then
  rev="$rev, with uncommitted changes under core, redis, server or bench"
fi
exec java -Xms1g -Xmx1g -cp bench/target/benchmarks.jar dev.sluice.bench.server.ServerReport \
  --command "$command" --note "Sluice measured: commit $rev" "$@"
