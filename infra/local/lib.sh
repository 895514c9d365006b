#!/usr/bin/env bash
# Shared helpers of the local stack scripts: logging, pid files, waiting on a real client call.
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# Debian puts server binaries (mariadbd) in /usr/sbin, which a non-root user's PATH lacks.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac

log() { printf '[stack:%s] %s\n' "${COMPONENT:-stack}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

pid_file() { echo "$STACK_DATA_DIR/$1.pid"; }

# Prints the pid when the process we started is alive.
our_pid() {
  local f; f="$(pid_file "$1")"
  [ -f "$f" ] || return 1
  local pid; pid="$(cat "$f")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; return 0; fi
  rm -f "$f"; return 1
}

# wait_until <seconds> <description> <command...>: polls a real client call, never an open port.
wait_until() {
  local timeout="$1" what="$2"; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then return 1; fi
    sleep 0.5
  done
  log "$what is ready"
}

stop_ours() { # <name>: stops only a process whose pid file we wrote
  local pid
  if pid="$(our_pid "$1")"; then
    log "stopping (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$pid" 2>/dev/null; then log "still running, killing"; kill -9 "$pid" 2>/dev/null || true; fi
    rm -f "$(pid_file "$1")"
  else
    log "not started by this repository; nothing to stop"
  fi
}

apt_install() { # <binary> <debian package...>
  local bin="$1"; shift
  command -v "$bin" >/dev/null 2>&1 && return 0
  [ "$(id -u)" = 0 ] || die "$bin is missing; install: sudo apt-get install -y $*"
  log "installing $* from Debian's packages"
  # The packages' own init scripts must not start a second server; policy-rc.d refuses them.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created_policy=1; fi
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
  [ "$created_policy" = 1 ] && rm -f "$policy"
  return 0
}

# iptables for the chaos run's network partitions (tests/chaos): its rules go into a network
# namespace the run creates, never the host's.
ensure_iptables() { apt_install iptables iptables; }

# A Redis node's ACL file (`aclfile` in its configuration): the default user is the stack's
# administrator, with REDIS_ADMIN_PASSWORD; the services' users (saved there by the stack's
# preparation, scripts/stack/redis-users.ts) are kept as they are.
write_redis_acl_file() { # <file>
  local file="$1" kept=""
  [ -f "$file" ] && kept="$(grep -v '^user default ' "$file" || true)"
  { echo "user default on >$REDIS_ADMIN_PASSWORD ~* &* +@all"; [ -n "$kept" ] && echo "$kept"; } > "$file.new"
  mv "$file.new" "$file"
}

# A broker's authentication and authorization, shared with the docker-compose broker.
# shellcheck source=kafka/security.sh
. "$(dirname "${BASH_SOURCE[0]}")/kafka/security.sh"

# Storage formatted with other principals (or before the brokers authenticated at all) would
# start brokers no client of this stack can sign in to: its data is set aside for a fresh format.
# The fingerprint file beside the data names the credentials it was formatted with.
kafka_principals_fingerprint() { kafka_scram_format_args | sha256sum | cut -c1-16; }
kafka_storage_matches_principals() { # <data dir>
  [ "$(cat "$1/.principals" 2>/dev/null || true)" = "$(kafka_principals_fingerprint)" ]
}
