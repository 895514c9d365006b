#!/usr/bin/env bash
# One MariaDB server per service (order, payment, inventory, reconciler) from Debian's packages,
# each with its own datadir, socket and port, holding only that service's database and users: the
# service's least-privilege user, the admin user for migrations and test databases, and on the
# order, payment and inventory servers a reconciler user with a password of that server alone (its
# table and column grants follow the migrations: scripts/stack/prepare.ts applies grants.sql).
# usage: mariadb-cluster.sh start|stop|status
COMPONENT=mariadb-cluster
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

server_dir() { echo "$STACK_DATA_DIR/mariadb-cluster/$1"; }
server_socket() { echo "$(server_dir "$1")/mysqld.sock"; }
admin_sql() { # <service> <sql>
  mariadb --protocol=TCP -h "$STACK_HOST" -P "$(service_mysql_port "$1")" -u "$MYSQL_ADMIN_USER" -p"$MYSQL_ADMIN_PASSWORD" -N -e "$2"
}
root_sql() { mariadb --protocol=SOCKET -S "$(server_socket "$1")" -u root -N -e "$2"; }
answers() { admin_sql "$1" 'SELECT 1' >/dev/null 2>&1; }

provision() { # <service>
  local svc="$1" db user
  db="$(service_db "$svc")"; user="$(service_user "$svc")"
  local sql="CREATE USER IF NOT EXISTS '$MYSQL_ADMIN_USER'@'%' IDENTIFIED BY '$MYSQL_ADMIN_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$MYSQL_ADMIN_USER'@'%' WITH GRANT OPTION;
DELETE FROM mysql.global_priv WHERE User='root' AND Host <> 'localhost';
DELETE FROM mysql.global_priv WHERE User='';
FLUSH PRIVILEGES;
CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$user'@'%' IDENTIFIED BY '$(service_password "$svc")';
GRANT SELECT, INSERT, UPDATE, DELETE ON \`$db\`.* TO '$user'@'%';"
  if [ "$svc" != reconciler ]; then
    sql+="
CREATE USER IF NOT EXISTS '$(service_user reconciler)'@'%' IDENTIFIED BY '$(reconciler_password_on "$svc")';"
  fi
  root_sql "$svc" "$sql"
}

start_server() { # <service>
  local svc="$1" dir port
  dir="$(server_dir "$svc")"; port="$(service_mysql_port "$svc")"
  if answers "$svc"; then log "$svc server already answering on port $port; nothing to start"; return 0; fi
  mkdir -p "$dir"
  if [ ! -d "$dir/data/mysql" ]; then
    log "initialising datadir $dir/data"
    mariadb-install-db --no-defaults --datadir="$dir/data" --user="$(id -un)" \
      --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 \
      || { cat "$dir/install.log" >&2; die "mariadb-install-db failed for $svc"; }
  fi
  log "starting the $svc server on $STACK_HOST:$port"
  # The flags of the single server (mariadb.sh), with a smaller buffer pool: four run side by side.
  setsid mariadbd --no-defaults --datadir="$dir/data" --socket="$(server_socket "$svc")" --port="$port" \
    --bind-address="$STACK_HOST" --pid-file="$dir/mariadbd.pid" --log-error="$dir/error.log" \
    --user="$(id -un)" --skip-name-resolve --default-time-zone=+00:00 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=256M --innodb-log-file-size=128M --max-connections=500 \
    --max-allowed-packet=64M </dev/null >/dev/null 2>&1 &
  echo $! > "$(pid_file "mariadb-cluster-$svc")"
  wait_until 60 "$svc server socket" root_sql "$svc" 'SELECT 1' || { tail -20 "$dir/error.log" >&2; die "the $svc server did not come up"; }
  provision "$svc"
  wait_until 30 "$svc server (SELECT 1 as $MYSQL_ADMIN_USER)" answers "$svc" || die "admin user cannot connect to the $svc server"
}

start() {
  apt_install mariadbd mariadb-server mariadb-client
  local svc
  for svc in $STACK_SERVICES; do start_server "$svc"; done
}

stop() {
  local svc
  for svc in $STACK_SERVICES; do stop_ours "mariadb-cluster-$svc"; done
}

status() {
  local svc port
  for svc in $STACK_SERVICES; do
    port="$(service_mysql_port "$svc")"
    if answers "$svc"; then
      echo "mariadb  up    $STACK_HOST:$port  pid=$(our_pid "mariadb-cluster-$svc" || echo 'not ours')  $(admin_sql "$svc" 'SELECT VERSION()')  $(service_db "$svc") only"
    else
      echo "mariadb  down  $STACK_HOST:$port  ($svc)"
    fi
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: $0 start|stop|status" ;;
esac
