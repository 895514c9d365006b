#!/usr/bin/env bash
# Prints the path of promtool, the checker of the alert rules under prometheus/rules/: PROMTOOL_BIN
# when it names one, else the pinned version built once into .tools/promtool/ through the Go module
# proxy. Prometheus 3.x publishes its Go module as v0.3xx.y (v0.316.0 is Prometheus 3.16.0).
set -euo pipefail
if [[ -n "${PROMTOOL_BIN:-}" ]]; then
  echo "$PROMTOOL_BIN"
  exit 0
fi
# remove_all_sd leaves out Prometheus's service-discovery plugins (the AWS, Azure, GCE, Kubernetes
# … SDKs): checking and unit-testing rules needs none of them, and they are most of the build.
GOFLAGS="${GOFLAGS:-} -tags=remove_all_sd" exec bash "$(dirname "${BASH_SOURCE[0]}")/../../scripts/go-install.sh" promtool "${PROMTOOL_VERSION:-v0.316.0}" github.com/prometheus/prometheus/cmd/promtool PROMTOOL_BIN
