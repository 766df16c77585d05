#!/usr/bin/env bash
# Real Redis and PostgreSQL servers for the tests, on free loopback ports, in a fresh
# temporary directory (never as system services; nothing is persisted).
#
#   eval "$(tests/services.sh up)"   # start both; prints the two export lines below
#   tests/services.sh env            # print the export lines of the running services
#   tests/services.sh down           # stop both, remove their files (harmless if none run)
#
# Tests that need Redis or PostgreSQL read
#   AIGW_TEST_REDIS_URL     redis://127.0.0.1:PORT/
#   AIGW_TEST_DATABASE_URL  postgres://aigw@127.0.0.1:PORT/aigw_test   (trust auth, superuser)
# and print `SKIPPED …` when it is unset. Developers run `eval "$(tests/services.sh up)"`
# before `cargo test`; .ci/run calls it too, and fails on any SKIPPED line. (libtest keeps
# back what println!/eprintln! print in a passing test: CI sees a SKIPPED line only when it
# is written past the capture, e.g. `writeln!(std::io::stderr(), "SKIPPED …")`.)
#
# `up` reuses the services of an earlier `up` while both still answer (several people or
# test runs may share them: tests keep to their own keys, tables or schemas); otherwise it
# stops what is left of them and starts fresh ones. It installs the Debian packages
# redis-server and postgresql (and chromium, chromium-driver for the dashboard's browser
# test) with apt-get when their binaries are missing (root, or sudo).
# Progress goes to stderr; stdout carries only the export lines. State (the URLs, pids,
# directories) is kept in ${AIGW_SERVICES_DIR:-/tmp/aigw-services}/env. PostgreSQL refuses
# to run as root, so as root its files belong to the user `postgres` and its tools run
# under `runuser`.
set -euo pipefail

STATE_DIR="${AIGW_SERVICES_DIR:-/tmp/aigw-services}"
STATE_FILE="$STATE_DIR/env"
WAIT_SECONDS=30

log() { printf 'services.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  echo "usage: $0 up|down|env" >&2
  exit 2
}

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# The newest PostgreSQL server's bin directory (Debian: /usr/lib/postgresql/<ver>/bin).
pg_bin_dir() {
  local dir
  for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" && -x "$dir/pg_isready" ]]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

# Runs apt-get as root (directly, or through sudo), all output on stderr.
apt_get() {
  if is_root; then
    DEBIAN_FRONTEND=noninteractive apt-get "$@" >&2
  elif command -v sudo >/dev/null; then
    sudo DEBIAN_FRONTEND=noninteractive apt-get "$@" >&2
  else
    die "need root or sudo to install packages: apt-get $*"
  fi
}

install_packages() {
  local pkgs=("$@")
  log "installing ${pkgs[*]} (apt-get)"
  # Keep the packages' postinst from starting system services (a redis on 6379, the
  # `main` PostgreSQL cluster on 5432): we start our own. Only when no policy exists.
  local policy=/usr/sbin/policy-rc.d added_policy=0
  if is_root && [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    added_policy=1
  fi
  local status=0
  if ! apt_get install -y -q --no-install-recommends "${pkgs[@]}"; then
    log "install failed; running apt-get update and trying again"
    apt_get update -q && apt_get install -y -q --no-install-recommends "${pkgs[@]}" || status=$?
  fi
  if [[ $added_policy -eq 1 ]]; then rm -f "$policy"; fi
  [[ $status -eq 0 ]] || die "apt-get install ${pkgs[*]} failed"
}

ensure_binaries() {
  local missing=()
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || missing+=(redis-server)
  pg_bin_dir >/dev/null || missing+=(postgresql)
  # Not a service: the headless browser and its WebDriver for the dashboard's browser test
  # (crates/aigw-gateway/tests/it/ui.rs), which prints SKIPPED without them.
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
  if [[ ${#missing[@]} -gt 0 ]]; then
    install_packages "${missing[@]}"
  fi
  command -v redis-server >/dev/null || die "redis-server still not on PATH after installing"
  command -v redis-cli >/dev/null || die "redis-cli still not on PATH after installing"
  pg_bin_dir >/dev/null || die "no initdb/pg_ctl/postgres under /usr/lib/postgresql/*/bin after installing"
  command -v chromium >/dev/null || die "chromium still not on PATH after installing"
  command -v chromedriver >/dev/null || die "chromedriver still not on PATH after installing"
}

# A free TCP port on 127.0.0.1 (python3 asks the kernel; else probe random ports).
free_port() {
  local port
  if port="$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' 2>/dev/null)" && [[ "$port" =~ ^[0-9]+$ ]]; then
    echo "$port"
    return 0
  fi
  local _
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  die "found no free loopback port"
}

# Runs a PostgreSQL tool as the owner of the cluster: `postgres` when we are root.
as_pg() {
  if is_root; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Whether PID is a live process named NAME (a pid file may outlive its process, and the
# number may since belong to something else: never signal that).
pid_is() {
  local name=$1 pid=$2
  [[ "$pid" =~ ^[0-9]+$ ]] && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$name" ]]
}

# Serialises up/down (two `up`s at once would each start their own pair).
take_lock() {
  mkdir -p "$STATE_DIR"
  exec 9>"$STATE_DIR/lock"   # closed (9>&-) for the servers, which would hold it forever
  if command -v flock >/dev/null; then flock 9; fi
}

show_log() {
  local file=$1
  if [[ -f "$file" ]]; then
    log "---- last lines of $file ----"
    tail -n 50 "$file" >&2 || true
    log "---- end of $file ----"
  else
    log "(no log at $file)"
  fi
}

# The state file: shell assignments, rewritten as each service comes up, so that `down`
# can clean up after an `up` that failed half-way.
write_state() {
  mkdir -p "$STATE_DIR"
  local tmp="$STATE_FILE.tmp.$$"
  {
    echo "# written by tests/services.sh up; read by \`tests/services.sh env|down\`"
    printf 'AIGW_SVC_TMP=%q\n' "${AIGW_SVC_TMP:-}"
    printf 'AIGW_SVC_REDIS_PIDFILE=%q\n' "${AIGW_SVC_REDIS_PIDFILE:-}"
    printf 'AIGW_SVC_PG_BIN=%q\n' "${AIGW_SVC_PG_BIN:-}"
    printf 'AIGW_SVC_PG_DATA=%q\n' "${AIGW_SVC_PG_DATA:-}"
    if [[ -n "${REDIS_URL_OUT:-}" ]]; then echo "export AIGW_TEST_REDIS_URL=$REDIS_URL_OUT"; fi
    if [[ -n "${DATABASE_URL_OUT:-}" ]]; then echo "export AIGW_TEST_DATABASE_URL=$DATABASE_URL_OUT"; fi
  } >"$tmp"
  mv -f "$tmp" "$STATE_FILE"
}

start_redis() {
  local dir=$1 port
  port="$(free_port)"
  log "starting redis-server on 127.0.0.1:$port"
  AIGW_SVC_REDIS_PIDFILE="$dir/redis.pid"
  write_state
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" >&2 9>&- ||
    { show_log "$dir/redis.log"; die "redis-server did not start"; }
  local deadline=$((SECONDS + WAIT_SECONDS))
  until [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == PONG ]]; do
    if ((SECONDS >= deadline)); then
      show_log "$dir/redis.log"
      die "redis-server on 127.0.0.1:$port did not answer PING within ${WAIT_SECONDS}s"
    fi
    sleep 0.2
  done
  REDIS_URL_OUT="redis://127.0.0.1:$port/"
  write_state
}

start_postgres() {
  local dir=$1 port bin
  bin="$(pg_bin_dir)"
  port="$(free_port)"
  mkdir -p "$dir"
  if is_root; then chown postgres:postgres "$dir"; fi
  chmod 700 "$dir"
  AIGW_SVC_PG_BIN="$bin"
  AIGW_SVC_PG_DATA="$dir/data"
  write_state
  log "initdb ($bin) in $dir/data"
  # -N and fsync=off: the data is thrown away, durability buys nothing but seconds.
  # In a directory the cluster's owner can enter (it may not be allowed into the caller's).
  (cd "$dir" && as_pg "$bin/initdb" -N -D "$dir/data" -A trust -U aigw -E UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1) || { show_log "$dir/initdb.log"; die "initdb failed"; }
  log "starting postgres on 127.0.0.1:$port"
  (cd "$dir" && as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t "$WAIT_SECONDS" \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >&2 9>&-) ||
    { show_log "$dir/pg.log"; die "pg_ctl start failed"; }
  local deadline=$((SECONDS + WAIT_SECONDS))
  until "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U aigw -d postgres; do
    if ((SECONDS >= deadline)); then
      show_log "$dir/pg.log"
      die "postgres on 127.0.0.1:$port not ready within ${WAIT_SECONDS}s"
    fi
    sleep 0.2
  done
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U aigw aigw_test >&2 ||
    { show_log "$dir/pg.log"; die "createdb aigw_test failed"; }
  DATABASE_URL_OUT="postgres://aigw@127.0.0.1:$port/aigw_test"
  write_state
}

print_exports() {
  [[ -f "$STATE_FILE" ]] || die "no services running (no $STATE_FILE); run: $0 up"
  grep '^export AIGW_TEST_' "$STATE_FILE"
}

cmd_down() {
  if [[ ! -f "$STATE_FILE" ]]; then
    log "nothing to stop (no $STATE_FILE)"
    return 0
  fi
  local AIGW_SVC_TMP='' AIGW_SVC_REDIS_PIDFILE='' AIGW_SVC_PG_BIN='' AIGW_SVC_PG_DATA=''
  # shellcheck disable=SC1090
  source "$STATE_FILE"

  if [[ -n "$AIGW_SVC_PG_DATA" && -f "$AIGW_SVC_PG_DATA/postmaster.pid" ]]; then
    log "stopping postgres ($AIGW_SVC_PG_DATA)"
    if ! (cd / && as_pg "$AIGW_SVC_PG_BIN/pg_ctl" -D "$AIGW_SVC_PG_DATA" -m fast -w -t 30 stop >&2); then
      local pid
      pid="$(head -n 1 "$AIGW_SVC_PG_DATA/postmaster.pid" 2>/dev/null || true)"
      if pid_is postgres "$pid"; then
        log "pg_ctl stop failed; killing postmaster $pid"
        kill -9 "$pid" 2>/dev/null || true
      fi
    fi
  fi

  if [[ -n "$AIGW_SVC_REDIS_PIDFILE" && -f "$AIGW_SVC_REDIS_PIDFILE" ]]; then
    local pid
    pid="$(cat "$AIGW_SVC_REDIS_PIDFILE" 2>/dev/null || true)"
    if pid_is redis-server "$pid"; then
      log "stopping redis-server (pid $pid)"
      kill "$pid" 2>/dev/null || true
      local _
      for _ in $(seq 1 50); do
        pid_is redis-server "$pid" || break
        sleep 0.1
      done
      if pid_is redis-server "$pid"; then
        log "redis-server $pid still running; SIGKILL"
        kill -9 "$pid" 2>/dev/null || true
      fi
    fi
  fi

  # Only ever a directory that `up` made with mktemp.
  if [[ -n "$AIGW_SVC_TMP" && -d "$AIGW_SVC_TMP" && "$(basename "$AIGW_SVC_TMP")" == aigw-services.* ]]; then
    rm -rf -- "$AIGW_SVC_TMP"
  fi
  rm -f -- "$STATE_FILE"
  log "stopped"
}

# Whether the services in the state file are all there and answering.
services_alive() {
  [[ -f "$STATE_FILE" ]] || return 1
  (
    # shellcheck disable=SC1090
    source "$STATE_FILE"
    [[ -n "${AIGW_TEST_REDIS_URL:-}" && -n "${AIGW_TEST_DATABASE_URL:-}" ]] &&
      [[ "$(redis-cli -u "$AIGW_TEST_REDIS_URL" ping 2>/dev/null)" == PONG ]] &&
      "$AIGW_SVC_PG_BIN/pg_isready" -q -d "$AIGW_TEST_DATABASE_URL"
  ) >/dev/null 2>&1
}

cmd_up() {
  local started=$SECONDS
  # Reuse, not restart: the services of an earlier `up` that still answer are kept (a
  # restart would pull them from under a test run that is using them). Whatever is left
  # of ones that don't answer is stopped first.
  if services_alive; then
    log "reusing the running services (tests/services.sh down stops them)"
    print_exports
    return 0
  fi
  if [[ -f "$STATE_FILE" ]]; then
    log "stopping what is left of an earlier up"
    cmd_down
  fi
  ensure_binaries

  AIGW_SVC_TMP="$(mktemp -d "${TMPDIR:-/tmp}/aigw-services.XXXXXX")"
  chmod 755 "$AIGW_SVC_TMP"  # the `postgres` user must reach its directory inside
  AIGW_SVC_REDIS_PIDFILE='' AIGW_SVC_PG_BIN='' AIGW_SVC_PG_DATA='' REDIS_URL_OUT='' DATABASE_URL_OUT=''
  write_state
  # A failed `up` leaves nothing running.
  trap 'status=$?; if [[ $status -ne 0 ]]; then log "up failed; cleaning up"; cmd_down || true; fi' EXIT

  mkdir -p "$AIGW_SVC_TMP/redis"
  start_redis "$AIGW_SVC_TMP/redis"
  start_postgres "$AIGW_SVC_TMP/pg"

  trap - EXIT
  log "up in $((SECONDS - started))s (files in $AIGW_SVC_TMP, state in $STATE_FILE)"
  print_exports
}

[[ $# -eq 1 ]] || usage
case "$1" in
  up) take_lock; cmd_up ;;
  down) take_lock; cmd_down ;;
  env) print_exports ;;
  *) usage ;;
esac
