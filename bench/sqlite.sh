#!/usr/bin/env bash
# Builds bench/target/benchmarks.jar and runs the SQLite benchmark side by side: Sluice's
# SqliteStore (one writer, group commit) and a naive store (one transaction per decision under one
# lock, dev.sluice.bench.sqlite.NaiveSqliteStore), both synchronous=FULL, with 1, 16 and 64 caller
# threads on 10,000 keys; a fresh database file per cell, in bench/target/sqlite-bench unless
# --dir says where (that directory's disk is what is measured: not a tmpfs). Prints one Markdown
# table, also written to bench/target/sqlite-report.md. Arguments go to
# dev.sluice.bench.sqlite.SqliteReport, e.g.
#   bench/sqlite.sh                          # default: 3 s warmup + 10 s per row and callers count
#   bench/sqlite.sh --rounds 3               # every cell three times, interleaved; median shown
#   bench/sqlite.sh --warmup 1 --time 3 --callers 64
#   bench/sqlite.sh --rows 'sluice.*|naive'  # also sluice-normal (synchronous=NORMAL), as context
#   bench/sqlite.sh --dir /mnt/data/tmp      # database files on another disk
# MVN overrides the build command (e.g. MVN="mvn -o" to build offline with a local Maven).
set -euo pipefail
cd "$(dirname "$0")/.."
${MVN:-./mvnw} -q -B -pl bench -am package -DskipTests
rev="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git status --porcelain -- core/src/main sqlite/src/main bench/src/main/java/dev/sluice/bench/sqlite 2>/dev/null)" ]; then
  rev="$rev, with uncommitted changes under core/src/main, sqlite/src/main or the benchmark"
fi
exec java -Xms1g -Xmx1g -cp bench/target/benchmarks.jar dev.sluice.bench.sqlite.SqliteReport \
  --note "Sluice measured: core and sqlite at commit $rev" "$@"
