#!/usr/bin/env bash
# `npm start`: toolchain, dependencies, the local stack (started only where nothing answers), then
# every service in the foreground and, once they are ready, a demo sale. Ctrl-C stops the
# services; `npm run stack:stop` stops the servers.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
source "$REPO_ROOT/infra/local/env.sh"
ensure_dependencies
cd "$REPO_ROOT"
bash infra/local/stack.sh up

# SERVICE_INSTANCES (infra/local/env.sh: 1 on single, 2 on cluster) processes of each service. One
# instance keeps the service's bare name as its log prefix; two are <service>-1 and <service>-2,
# the second in the bright shade of the first's colour.
names=() colors=() commands=()
for entry in order:blue payment:magenta inventory:green reconciler:red; do
  service="${entry%%:*}" color="${entry#*:}"
  if [ "$SERVICE_INSTANCES" = 1 ]; then
    names+=("$service") colors+=("$color") commands+=("bash scripts/start-service.sh $service")
  else
    for instance in 1 2; do
      names+=("$service-$instance") colors+=("$([ "$instance" = 1 ] && echo "$color" || echo "${color}Bright")")
      commands+=("bash scripts/start-service.sh $service $instance")
    done
  fi
done
names+=(provider demo) colors+=(cyan yellow)
commands+=("bash scripts/start-service.sh provider-sim" "node scripts/demo.ts")

# The demo prints what runs where once every instance is ready (scripts/start-banner.ts).
join() { local IFS=,; echo "$*"; }
exec concurrently --names "$(join "${names[@]}")" --prefix-colors "$(join "${colors[@]}")" "${commands[@]}"
