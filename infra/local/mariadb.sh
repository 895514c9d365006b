#!/usr/bin/env bash
# MariaDB from Debian's packages with its own datadir, socket and port; one database and one
# least-privilege user per service, plus an admin user for migrations and test databases.
# usage: mariadb.sh start|stop|status
COMPONENT=mariadb
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DIR="$STACK_DATA_DIR/mariadb"
SOCKET="$DIR/mysqld.sock"

admin_sql() { mariadb --protocol=TCP -h "$STACK_HOST" -P "$MYSQL_PORT" -u "$MYSQL_ADMIN_USER" -p"$MYSQL_ADMIN_PASSWORD" -N -e "$1"; }
root_sql() { mariadb --protocol=SOCKET -S "$SOCKET" -u root -N -e "$1"; }
answers() { admin_sql 'SELECT 1' >/dev/null 2>&1; }

provision() {
  local sql="CREATE USER IF NOT EXISTS '$MYSQL_ADMIN_USER'@'%' IDENTIFIED BY '$MYSQL_ADMIN_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$MYSQL_ADMIN_USER'@'%' WITH GRANT OPTION;
DELETE FROM mysql.global_priv WHERE User='root' AND Host <> 'localhost';
DELETE FROM mysql.global_priv WHERE User='';
FLUSH PRIVILEGES;"
  local svc db user
  for svc in $STACK_SERVICES; do
    db="$(service_db "$svc")"; user="$(service_user "$svc")"
    sql+="
CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$user'@'%' IDENTIFIED BY '$(service_password "$svc")';
GRANT SELECT, INSERT, UPDATE, DELETE ON \`$db\`.* TO '$user'@'%';"
  done
  # The reconciler reads every service schema; its table- and column-level repair grants need the
  # tables, so scripts/stack/prepare.ts applies them after the migrations (services/reconciler/grants.sql).
  for svc in order payment inventory; do
    sql+="
GRANT SELECT ON \`$(service_db "$svc")\`.* TO '$(service_user reconciler)'@'%';"
  done
  root_sql "$sql"
}

start() {
  if answers; then log "already answering on port $MYSQL_PORT; nothing to start"; return 0; fi
  apt_install mariadbd mariadb-server mariadb-client
  mkdir -p "$DIR"
  local fresh=0
  if [ ! -d "$DIR/data/mysql" ]; then
    log "initialising datadir $DIR/data"
    mariadb-install-db --no-defaults --datadir="$DIR/data" --user="$(id -un)" \
      --auth-root-authentication-method=normal --skip-test-db >"$DIR/install.log" 2>&1 \
      || { cat "$DIR/install.log" >&2; die "mariadb-install-db failed"; }
    fresh=1
  fi
  log "starting on $STACK_HOST:$MYSQL_PORT"
  setsid mariadbd --no-defaults --datadir="$DIR/data" --socket="$SOCKET" --port="$MYSQL_PORT" \
    --bind-address="$STACK_HOST" --pid-file="$DIR/mariadbd.pid" --log-error="$DIR/error.log" \
    --user="$(id -un)" --skip-name-resolve --default-time-zone=+00:00 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=512M --innodb-log-file-size=256M --max-connections=1000 \
    --max-allowed-packet=64M </dev/null >/dev/null 2>&1 &
  echo $! > "$(pid_file mariadb)"
  wait_until 60 "socket" root_sql 'SELECT 1' || { tail -20 "$DIR/error.log" >&2; die "did not come up"; }
  provision
  wait_until 30 "MariaDB (SELECT 1 as $MYSQL_ADMIN_USER)" answers || die "admin user cannot connect"
  [ "$fresh" = 1 ] && log "provisioned databases: $(for s in $STACK_SERVICES; do printf '%s ' "$(service_db "$s")"; done)"
  return 0
}

status() {
  if answers; then
    local pid; pid="$(our_pid mariadb || echo 'not ours')"
    echo "mariadb  up    $STACK_HOST:$MYSQL_PORT  pid=$pid  $(admin_sql 'SELECT VERSION()')"
  else
    echo "mariadb  down  $STACK_HOST:$MYSQL_PORT"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop_ours mariadb ;;
  status) status ;;
  *) die "usage: $0 start|stop|status" ;;
esac
