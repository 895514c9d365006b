#!/usr/bin/env bash
# `npm run bench` / `npm run soak` (this script with --soak): the stack (started if needed), the
# load generators (wrk from Debian's packages; vegeta built once with Go, for open-model latency),
# then services/order/bench/order-path.bench.ts. Prints figures; it asserts nothing, so it never
# flakes a build. docs/performance.md explains the figures and the settings (BENCH_ROUNDS,
# BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_TOKENS, SOAK_MINUTES, ...).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
source "$REPO_ROOT/infra/local/env.sh"
ensure_dependencies
bash "$REPO_ROOT/infra/local/stack.sh" up

COMPONENT=bench
source "$REPO_ROOT/infra/local/lib.sh"
apt_install wrk wrk
if [ -z "${WRK_BIN:-}" ]; then WRK_BIN="$(command -v wrk)"; fi
export WRK_BIN

# A smoke run (BENCH_SECONDS < 3) measures no latency, so it does not wait for a vegeta build.
if [ -z "${VEGETA_BIN:-}" ] && { [ "${1:-}" = --soak ] || [ "${BENCH_SECONDS:-5}" -lt 3 ]; }; then
  VEGETA_BIN=""
elif [ -z "${VEGETA_BIN:-}" ]; then
  VEGETA_BIN="$(bash "$REPO_ROOT/services/order/bench/install-vegeta.sh")" || { log "vegeta could not be built: latency under an open model is skipped"; VEGETA_BIN=""; }
fi
export VEGETA_BIN

cd "$REPO_ROOT"
exec node services/order/bench/order-path.bench.ts "$@"
