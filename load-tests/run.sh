#!/usr/bin/env bash
# `npm run load`: a k6 flash-sale run against services that already run (`npm start` in another
# terminal), then the invariant check. Creates and arms a fresh sale for every run.
#
#   RATE=200 DURATION=20s SALE_STOCK=500 npm run load
#   ORDER_URL=http://127.0.0.1:4001 INVENTORY_URL=http://127.0.0.1:4003 npm run load
#
# Exits non-zero when a k6 threshold or an invariant fails (the invariants are checked either way).
set -uo pipefail
LOAD_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$LOAD_DIR/../scripts/toolchain.sh"
source "$REPO_ROOT/infra/local/env.sh"
ensure_dependencies

export ORDER_URL="${ORDER_URL:-http://127.0.0.1:3001}"
export INVENTORY_URL="${INVENTORY_URL:-http://127.0.0.1:3003}"
export RATE="${RATE:-200}" DURATION="${DURATION:-20s}" SALE_STOCK="${SALE_STOCK:-500}"
export RUN_ID="${RUN_ID:-$(date +%s)}"

K6_BIN="${K6_BIN:-$(bash "$LOAD_DIR/install-k6.sh")}" || { echo "k6 is not available" >&2; exit 1; }

for url in "$ORDER_URL" "$INVENTORY_URL"; do
  if ! curl -fsS -o /dev/null --max-time 5 "$url/health/ready"; then
    echo "$url/health/ready does not answer 200: start the stack and services first (npm start in another terminal)," >&2
    echo "or point ORDER_URL / INVENTORY_URL at running services" >&2
    exit 1
  fi
done

SALE_ID="$(node "$LOAD_DIR/prepare-sale.ts")" || { echo "could not create and arm the sale" >&2; exit 1; }
export SALE_ID
mkdir -p "$LOAD_DIR/results"
export SUMMARY_FILE="$LOAD_DIR/results/$RUN_ID-summary.json"

# toolchain.sh runs this script under `set -e`: a failed threshold must not skip the invariant check.
k6_status=0
"$K6_BIN" run --quiet "$LOAD_DIR/flash-sale.js" || k6_status=$?

echo "invariants for sale $SALE_ID:"
invariants_status=0
node "$LOAD_DIR/check-invariants.ts" "$SALE_ID" "$SUMMARY_FILE" || invariants_status=$?

if [[ $k6_status -ne 0 ]]; then echo "k6 exited with $k6_status (99: a threshold failed)" >&2; fi
if [[ $k6_status -ne 0 || $invariants_status -ne 0 ]]; then exit 1; fi
