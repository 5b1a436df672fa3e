#!/usr/bin/env bash
# Makes sure a RabbitMQ broker answers AMQP on 127.0.0.1:5672 (idempotent).
#
#  1. Something already answers AMQP there: done.
#  2. Otherwise install rabbitmq-server from the distribution if it is missing (root + apt only),
#     start it with `rabbitmq-server -detached`, wait for `rabbitmqctl await_startup`
#     (bounded, ~90 s) and check that the port answers AMQP.
#
# Progress goes to stderr, prefixed [ensure-rabbitmq]. Exit 0 when the broker answers, 1 otherwise.
# Overrides (mainly for testing this script): ENSURE_RABBITMQ_HOST, ENSURE_RABBITMQ_PORT,
# ENSURE_RABBITMQ_TIMEOUT (seconds), RABBITMQ_SERVER_BIN, RABBITMQCTL_BIN.
set -uo pipefail

HOST="${ENSURE_RABBITMQ_HOST:-127.0.0.1}"
PORT="${ENSURE_RABBITMQ_PORT:-5672}"
TIMEOUT_S="${ENSURE_RABBITMQ_TIMEOUT:-90}"

log() { echo "[ensure-rabbitmq] $*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

# 0 if a TCP connect to HOST:PORT succeeds within 3 s.
port_open() {
  timeout 3 bash -c "exec 3<>/dev/tcp/${HOST}/${PORT}" 2>/dev/null
}

# 0 if HOST:PORT speaks AMQP 0-9-1: after the protocol header "AMQP\0\0\x09\x01" a broker sends
# a connection.start method frame, whose first byte is the frame type 1.
amqp_answers() {
  local first
  first="$(timeout 5 bash -c "
    exec 3<>/dev/tcp/${HOST}/${PORT} || exit 1
    printf 'AMQP\\x00\\x00\\x09\\x01' >&3
    head -c 1 <&3 | od -An -tx1
    exec 3>&-
  " 2>/dev/null | tr -d ' \n')"
  [[ "$first" == "01" ]]
}

find_bin() { # name, override
  local name="$1" override="${2:-}"
  if [[ -n "$override" ]]; then
    [[ -x "$override" ]] && { echo "$override"; return 0; }
    return 1
  fi
  command -v "$name" 2>/dev/null && return 0
  for d in /usr/sbin /usr/local/sbin /usr/lib/rabbitmq/bin; do
    [[ -x "$d/$name" ]] && { echo "$d/$name"; return 0; }
  done
  return 1
}

how_to_get_rabbitmq() {
  cat >&2 <<EOF
[ensure-rabbitmq] The tests need a RabbitMQ broker on ${HOST}:${PORT} (user guest/guest).
[ensure-rabbitmq] Get one in any of these ways, then run this script again:
[ensure-rabbitmq]   - Debian/Ubuntu, as root:  apt-get install -y --no-install-recommends rabbitmq-server
[ensure-rabbitmq]                              rabbitmq-server -detached
[ensure-rabbitmq]   - Docker:                  docker run -d --name rabbitmq -p 127.0.0.1:${PORT}:5672 rabbitmq:3
[ensure-rabbitmq]   - macOS (Homebrew):        brew install rabbitmq && brew services start rabbitmq
EOF
}

# --- 1. Already there? ------------------------------------------------------------------------
if amqp_answers; then
  log "RabbitMQ already answers AMQP on ${HOST}:${PORT}; nothing to do."
  exit 0
fi
if port_open; then
  die "something listens on ${HOST}:${PORT} but does not speak AMQP 0-9-1; free the port or point the tests elsewhere."
fi
log "nothing answers AMQP on ${HOST}:${PORT}."

# --- 2. Installed? ----------------------------------------------------------------------------
SERVER="$(find_bin rabbitmq-server "${RABBITMQ_SERVER_BIN:-}")" || SERVER=""
if [[ -z "$SERVER" ]]; then
  log "rabbitmq-server is not installed."
  if [[ "$(id -u)" -ne 0 ]]; then
    log "not running as root, so it cannot be installed from here."
    how_to_get_rabbitmq
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    log "apt-get is not available on this machine."
    how_to_get_rabbitmq
    exit 1
  fi
  log "installing rabbitmq-server with apt-get (about 10 s)..."
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get update -q </dev/null >&2; then
    log "apt-get update failed."
    how_to_get_rabbitmq
    exit 1
  fi
  if ! apt-get install -y -q --no-install-recommends rabbitmq-server </dev/null >&2; then
    log "apt-get install rabbitmq-server failed."
    how_to_get_rabbitmq
    exit 1
  fi
  SERVER="$(find_bin rabbitmq-server "${RABBITMQ_SERVER_BIN:-}")" || die "rabbitmq-server was installed but cannot be found."
  log "installed: $SERVER"
  # The package may have started the service itself (systemd); check before starting another.
  for _ in 1 2 3 4 5; do
    if amqp_answers; then
      log "the freshly installed service already answers AMQP on ${HOST}:${PORT}."
      exit 0
    fi
    sleep 1
  done
fi
CTL="$(find_bin rabbitmqctl "${RABBITMQCTL_BIN:-}")" || die "rabbitmq-server is at $SERVER but rabbitmqctl cannot be found."

# --- 3. Start it ------------------------------------------------------------------------------
DEADLINE=$((SECONDS + TIMEOUT_S))

# A node may be running with the rabbit application stopped (`rabbitmqctl stop_app`): `ping`
# answers whenever the Erlang VM runs, whatever the state of the application.
if timeout 20 "$CTL" -q ping </dev/null >/dev/null 2>&1; then
  log "a RabbitMQ node is running but ${HOST}:${PORT} does not answer; running start_app..."
  timeout 60 "$CTL" -q start_app </dev/null >&2 || log "start_app failed."
else
  if [[ "$(id -u)" -ne 0 && "$(id -un)" != "rabbitmq" && "$SERVER" == /usr/sbin/* ]]; then
    log "the packaged rabbitmq-server must be started as root or as user rabbitmq."
    how_to_get_rabbitmq
    exit 1
  fi
  log "starting: $SERVER -detached"
  # From a scratch directory: a VM that fails to boot writes erl_crash.dump into its cwd.
  (cd "${TMPDIR:-/tmp}" && exec "$SERVER" -detached </dev/null >&2 2>&1) || die "'$SERVER -detached' failed (exit $?)."
fi

# await_startup fails at once with "node not running" until the VM has registered with epmd:
# retry until the deadline.
log "waiting for the node to boot (up to ${TIMEOUT_S} s)..."
booted=0
last_err=""
while ((SECONDS < DEADLINE)); do
  left=$((DEADLINE - SECONDS))
  wait_s=$((left < 30 ? left : 30))
  ((wait_s < 1)) && wait_s=1
  if last_err="$(timeout $((wait_s + 10)) "$CTL" -q await_startup --timeout "$wait_s" </dev/null 2>&1)"; then
    booted=1
    break
  fi
  sleep 1
done
if ((booted == 0)); then
  log "the node did not finish booting within ${TIMEOUT_S} s. Last rabbitmqctl output:"
  echo "$last_err" | sed 's/^/[ensure-rabbitmq]   /' >&2
  for f in /var/log/rabbitmq/rabbit*.log; do
    [[ -f "$f" && "$f" != *_upgrade.log ]] || continue
    log "tail of $f:"
    tail -n 20 "$f" | sed 's/^/[ensure-rabbitmq]   /' >&2
  done
  exit 1
fi
log "node booted after $((SECONDS - DEADLINE + TIMEOUT_S)) s; checking AMQP on ${HOST}:${PORT}..."

while ((SECONDS < DEADLINE + 15)); do
  if amqp_answers; then
    log "RabbitMQ answers AMQP on ${HOST}:${PORT}."
    exit 0
  fi
  sleep 1
done
die "the node is up but ${HOST}:${PORT} does not answer AMQP; check its listeners (rabbitmq.conf listeners.tcp.*) with: $CTL status"
