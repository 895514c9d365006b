#!/usr/bin/env bash
# `npm test`: brings the toolchain and dependencies, runs the schema gate, the import boundaries and
# the formatter's check, type-checks and lints,
# then runs every package's tests against real servers, on both topologies of the local stack:
#   1. single (one MariaDB, one Redis, one Kafka broker): every test;
#   2. cluster (Redis Cluster 3+3, three brokers, a MariaDB server per service): every test again
#      but the chaos run's, which is the single topology's by design (`STACK_TOPOLOGY=cluster npm
#      run chaos` is its cluster form).
# STACK_TOPOLOGY=single or STACK_TOPOLOGY=cluster runs one pass, every test, on that topology only.
# Each pass starts the servers that are not already running and stops those it started before the
# next pass (two cores cannot carry both stacks and the tests), unless STACK_KEEP=1.
set -euo pipefail
requested="${STACK_TOPOLOGY:-}"
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
case "$requested" in
  '') passes=(single cluster) ;;
  single | cluster) passes=("$requested") ;;
  *) echo "STACK_TOPOLOGY must be single or cluster, not '$requested'" >&2; exit 2 ;;
esac
ensure_dependencies
cd "$REPO_ROOT"
started_at=$SECONDS

# The components (mariadb redis kafka) of the current pass that it started, so they are stopped.
pass_topology=''
started_here=()
suffix() { [ "$1" = cluster ] && echo '-cluster' || true; }
# A component runs when a process of its pid files is alive (one file per server on single, one
# per node on cluster); a file left by a crash does not count.
running() {
  local file glob="$STACK_DATA_DIR/$1.pid"
  [ "$pass_topology" = cluster ] && glob="$STACK_DATA_DIR/$1-cluster-*.pid"
  for file in $glob; do
    [ -f "$file" ] && kill -0 "$(cat "$file")" 2>/dev/null && return 0
  done
  return 1
}
stop_pass_servers() {
  [ "${STACK_KEEP:-0}" = 1 ] && return 0
  local component
  for component in kafka redis mariadb; do
    [[ " ${started_here[*]:-} " == *" $component "* ]] || continue
    bash "$REPO_ROOT/infra/local/$component$(suffix "$pass_topology").sh" stop || true
  done
  started_here=()
}
finish() {
  local status=$?
  stop_pass_servers
  echo "[test] finished in $((SECONDS - started_at)) s with exit code $status" >&2
  exit $status
}
trap finish EXIT

# One environment per topology: env.sh derives every address from STACK_TOPOLOGY.
use_topology() {
  export STACK_TOPOLOGY="$1"
  source "$REPO_ROOT/infra/local/env.sh"
  pass_topology="$1"
}

start_pass_servers() {
  local component
  # Counted as this pass's before they start: a start that fails half-way still stops what it started.
  for component in mariadb redis kafka; do running "$component" || started_here+=("$component"); done
  bash "$REPO_ROOT/infra/local/stack.sh" up
  echo "[test] $pass_topology stack ready after $((SECONDS - started_at)) s" >&2
}

use_topology "${passes[0]}"
# promtool checks the alert rules (scripts/test/observability.int.test.ts). The first build takes
# minutes (later ones reuse the Go build cache): done here, outside that test file's timeout.
if PROMTOOL_BIN="$(bash "$REPO_ROOT/infra/observability/install-promtool.sh")"; then
  export PROMTOOL_BIN
  echo "[test] promtool ready after $((SECONDS - started_at)) s" >&2
fi
node packages/events/src/cli/schema-gate.ts
# The import boundaries (.dependency-cruiser.cjs) and the formatter, before anything slower.
depcruise services packages scripts tests load-tests --output-type err-long
prettier --check . --log-level warn
turbo run typecheck lint --concurrency=2 --output-logs=errors-only

test_log="$(mktemp)"
overall=0
for topology in "${passes[@]}"; do
  use_topology "$topology"
  start_pass_servers
  filter=()
  [ "${#passes[@]}" -gt 1 ] && [ "$topology" = cluster ] && filter=(--filter='!@flash-sale/chaos-tests')
  pass_log="$(mktemp)"
  set +e
  # --continue: one failing package must not stop the others mid-run (turbo interrupts them otherwise).
  turbo run test --concurrency=2 --continue --output-logs=full "${filter[@]}" 2>&1 | tee "$pass_log"
  status=${PIPESTATUS[0]}
  set -e
  [ "$status" = 0 ] || overall=$status
  # One line per pass over every package's tap summary ("# { total: N, pass: N, fail: N }").
  sed -n 's/.*# { total: \([0-9]*\), pass: \([0-9]*\)\(, fail: \([0-9]*\)\)\{0,1\}.*/\2 \4/p' "$pass_log" \
    | awk -v topology="$topology" '{ passed += $1; failed += ($2 == "" ? 0 : $2) } END { printf "[test] %s topology: %d passed, %d failed\n", topology, passed, failed }' \
    | tee -a "$test_log"
  rm -f "$pass_log"
  stop_pass_servers
done
cat "$test_log"
rm -f "$test_log"
exit "$overall"
