#!/usr/bin/env bash
# `npm test`: brings the toolchain and dependencies, starts whatever real server is not already
# running (MariaDB, Redis, Kafka), then type-checks, lints, runs the schema gate and every
# package's tests against those servers. Servers this run started are stopped at the end, unless
# STACK_KEEP=1.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
source "$REPO_ROOT/infra/local/env.sh"
ensure_dependencies
cd "$REPO_ROOT"
started_at=$SECONDS

# STACK_TOPOLOGY=cluster: the components are the cluster's scripts, each with a pid file per process.
topology=''
[ "$STACK_TOPOLOGY" = cluster ] && topology='-cluster'
ours() { compgen -G "$STACK_DATA_DIR/$1$topology${topology:+-*}.pid" >/dev/null; }
already_ours=()
for component in mariadb redis kafka; do
  ours "$component" && already_ours+=("$component")
done
stop_started() {
  local status=$?
  if [ "${STACK_KEEP:-0}" != 1 ]; then
    for component in kafka redis mariadb; do
      [[ " ${already_ours[*]:-} " == *" $component "* ]] && continue
      ours "$component" && bash "$REPO_ROOT/infra/local/$component$topology.sh" stop || true
    done
  fi
  echo "[test] finished in $((SECONDS - started_at)) s with exit code $status" >&2
  exit $status
}
trap stop_started EXIT

bash "$REPO_ROOT/infra/local/stack.sh" up
echo "[test] stack ready after $((SECONDS - started_at)) s" >&2
# promtool checks the alert rules (scripts/test/observability.int.test.ts). The first build takes
# minutes (later ones reuse the Go build cache): done here, outside that test file's timeout.
if PROMTOOL_BIN="$(bash "$REPO_ROOT/infra/observability/install-promtool.sh")"; then
  export PROMTOOL_BIN
  echo "[test] promtool ready after $((SECONDS - started_at)) s" >&2
fi

node packages/events/src/cli/schema-gate.ts
turbo run typecheck lint --concurrency=2 --output-logs=errors-only
test_log="$(mktemp)"
set +e
# --continue: one failing package must not stop the others mid-run (turbo interrupts them otherwise).
turbo run test --concurrency=2 --continue --output-logs=full 2>&1 | tee "$test_log"
test_status=${PIPESTATUS[0]}
set -e
# One closing line over every package's tap summary ("# { total: N, pass: N, fail: N }").
sed -n 's/.*# { total: \([0-9]*\), pass: \([0-9]*\)\(, fail: \([0-9]*\)\)\{0,1\}.*/\2 \4/p' "$test_log" \
  | awk '{ passed += $1; failed += ($2 == "" ? 0 : $2) } END { printf "%d passed, %d failed\n", passed, failed }'
rm -f "$test_log"
exit "$test_status"
