#!/usr/bin/env bash
# Installs the pinned vegeta (the bench's open-model load generator, MIT-licensed) into
# .tools/vegeta/ unless that version is already there. Prints the binary's path.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/go-install.sh" vegeta "${VEGETA_VERSION:-v12.13.0}" github.com/tsenart/vegeta/v12 VEGETA_BIN
