#!/usr/bin/env bash
# Runs the benchmarks of BENCHMARKS.md (crates/synerise/benches) and prints each figure with its goal:
#   batch_chunking   chunking 100,000 profiles ÷ plain serde_json             goal ≤ 1.15
#   batch_memory     peak RSS streaming 100,000 and 1,000,000 profiles         goal ≤ 100 MiB, within 20 %
#   client_overhead  requests/s of the client ÷ raw reqwest                    goal ≥ 0.95
#   pagination       items/s of the parallel stream ÷ a sequential page loop   goal ≥ 1.8
#   bulk_import      import wall time ÷ requests × 20 ms ÷ 8                   goal ≤ 1.25
#
# Usage: scripts/bench.sh            (about 2 minutes on 2 cores once built; a cold build of the
#                                     bench profile adds 4 to 7.5 minutes, depending on the load)
# Env:   BENCH_MEMORY_REPEATS=N       runs per size in batch_memory (default 5)
#        BENCH_LOG=path               full output (default target/bench.log)
# Each bench also runs alone: cargo bench -p synerise --bench NAME. Not a test: nothing is asserted,
# the exit status only tells whether the benches ran.
set -euo pipefail
cd "$(dirname "$0")/.."

benches=(batch_chunking batch_memory client_overhead pagination bulk_import)
args=()
for b in "${benches[@]}"; do args+=(--bench "$b"); done
log=${BENCH_LOG:-target/bench.log}
mkdir -p "$(dirname "$log")"
export BENCH_MEMORY_REPEATS=${BENCH_MEMORY_REPEATS:-5}

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load:$(uptime | sed 's/.*load average://')"
started=$(date +%s)
cargo bench -p synerise "${args[@]}" --no-run 2>&1 | grep -E '^(error|warning)|Finished' || true
built=$(date +%s)
cargo bench -p synerise "${args[@]}" 2>&1 | tee "$log"
finished=$(date +%s)

echo
echo "== summary ($(date -u '+%Y-%m-%d %H:%M UTC'); build $((built - started)) s, runs $((finished - built)) s; load:$(uptime | sed 's/.*load average://'))"
grep -E '^[a-z_]+( \([^)]*\))?: (ratio|peak) [0-9]' "$log"
