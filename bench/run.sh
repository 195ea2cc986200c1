#!/usr/bin/env bash
# One command for the benchmark (docs/PERFORMANCE.md): builds, generates the data if missing,
# starts `passerelle serve` on loopback, runs every workload in interleaved rounds and writes a
# Markdown report.
#
#   bash bench/run.sh                        # release build; scales 10000 and 100000
#   BENCH_SCALES="10000 100000 1000000" bash bench/run.sh
#   bash bench/run.sh --quick                # smoke test: debug binaries, scale 1000, 2 s a
#                                            # workload; fails on errors, never on speed
#
# Environment: PASSERELLE_TEST_POSTGRES_URL (admin URL, default postgres://postgres@127.0.0.1:5432/postgres),
# BENCH_SCALES, BENCH_SECONDS (per workload and round), BENCH_ROUNDS, BENCH_CONCURRENCY,
# BENCH_REPORT (output file).
set -euo pipefail
cd "$(dirname "$0")/.."

quick=false
[ "${1:-}" = "--quick" ] && quick=true
admin_url=${PASSERELLE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
if $quick; then
  profile=debug; scales=${BENCH_SCALES:-1000}; seconds=${BENCH_SECONDS:-2}; rounds=${BENCH_ROUNDS:-1}
  cargo build --quiet -p passerelle -p passerelle-bench
else
  profile=release; scales=${BENCH_SCALES:-10000 100000}; seconds=${BENCH_SECONDS:-10}; rounds=${BENCH_ROUNDS:-3}
  cargo build --quiet --release -p passerelle -p passerelle-bench
fi
concurrency=${BENCH_CONCURRENCY:-16}
bin=target/$profile
report=${BENCH_REPORT:-target/bench-report.md}
workloads="typename inbox inbox-sent inbox-deep create acknowledge"
port=18080

server_pid=""
stop_server() { [ -z "$server_pid" ] || { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=""; }; }
trap stop_server EXIT

{
  echo "# Passerelle benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GB RAM, $(psql "$admin_url" -Atc 'show server_version' 2>/dev/null | cut -d' ' -f1 | sed 's/^/PostgreSQL /'); profile $profile; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "$concurrency concurrent clients, $seconds s per workload, $rounds interleaved round(s) (each round runs every workload once, so background noise hits them alike)."
} >"$report"

failed=0
for scale in $scales; do
  url=$("$bin/bench_data" --scale "$scale" --admin-url "$admin_url" --passerelle "$bin/passerelle" | tail -n 1)
  # Each load run signs in a few users: start every benchmark with a clean sign-in limiter
  # (300 successful sign-ins an hour per address).
  psql -q "$url" -c "TRUNCATE sign_in_limits" >/dev/null
  PASSERELLE_DATABASE_URL="$url" PASSERELLE_BIND="127.0.0.1:$port" \
    PASSERELLE_JWT_SECRET="bench-secret-bench-secret-bench-secret" \
    PASSERELLE_SMTP_URL="smtp://127.0.0.1:1" RUST_LOG=warn \
    "$bin/passerelle" serve >"target/bench-server-$scale.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
  {
    echo
    echo "## $scale referrals"
    echo
    echo "| system | workload | clients | req/s | p50 ms | p90 ms | p99 ms | errors | refused (stale version) | server peak RSS MB |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
  } >>"$report"
  for round in $(seq "$rounds"); do
    for workload in $workloads; do
      "$bin/bench_load" --url "http://127.0.0.1:$port/graphql" --scale "$scale" --workload "$workload" \
        --concurrency "$concurrency" --seconds "$seconds" --pid "$server_pid" --label "passerelle r$round" \
        >>"$report" || failed=1
    done
  done
  stop_server
done
cat "$report"
[ "$failed" -eq 0 ] || { echo "bench: some requests failed (see above)" >&2; exit 1; }
