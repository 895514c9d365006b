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

already_ours=()
for component in mariadb redis kafka; do
  [ -f "$STACK_DATA_DIR/$component.pid" ] && already_ours+=("$component")
done
stop_started() {
  local status=$?
  if [ "${STACK_KEEP:-0}" != 1 ]; then
    for component in kafka redis mariadb; do
      [[ " ${already_ours[*]:-} " == *" $component "* ]] && continue
      [ -f "$STACK_DATA_DIR/$component.pid" ] && bash "$REPO_ROOT/infra/local/$component.sh" stop || true
    done
  fi
  echo "[test] finished in $((SECONDS - started_at)) s with exit code $status" >&2
  exit $status
}
trap stop_started EXIT

bash "$REPO_ROOT/infra/local/stack.sh" up
echo "[test] stack ready after $((SECONDS - started_at)) s" >&2

node packages/events/src/cli/schema-gate.ts
turbo run typecheck lint --concurrency=2 --output-logs=errors-only
turbo run test --concurrency=2 --output-logs=full
