#!/usr/bin/env bash
# Makes sure a Redis server answers on 127.0.0.1:6379 (idempotent). Task results are stored
# there (docs/results.md), and the tests use it.
#
#  1. Something already answers PING with +PONG there: done.
#  2. Otherwise install Debian's redis-server if it is missing (root + apt only), start it
#     daemonized (no persistence: results are short-lived) and wait for PONG (bounded, ~30 s).
#
# Progress goes to stderr, prefixed [ensure-redis]. Exit 0 when Redis answers, 1 otherwise.
# Overrides (mainly for testing this script): ENSURE_REDIS_HOST, ENSURE_REDIS_PORT,
# ENSURE_REDIS_TIMEOUT (seconds), REDIS_SERVER_BIN.
set -uo pipefail

HOST="${ENSURE_REDIS_HOST:-127.0.0.1}"
PORT="${ENSURE_REDIS_PORT:-6379}"
TIMEOUT_S="${ENSURE_REDIS_TIMEOUT:-30}"

log() { echo "[ensure-redis] $*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

port_open() {
  timeout 3 bash -c "exec 3<>/dev/tcp/${HOST}/${PORT}" 2>/dev/null
}

# 0 if HOST:PORT answers the inline command PING with +PONG (what any Redis does, no client needed).
redis_answers() {
  local reply
  reply="$(timeout 5 bash -c "
    exec 3<>/dev/tcp/${HOST}/${PORT} || exit 1
    printf 'PING\\r\\n' >&3
    head -c 5 <&3
    exec 3>&-
  " 2>/dev/null)"
  [[ "$reply" == "+PONG" ]]
}

find_server() {
  if [[ -n "${REDIS_SERVER_BIN:-}" ]]; then
    [[ -x "$REDIS_SERVER_BIN" ]] && { echo "$REDIS_SERVER_BIN"; return 0; }
    return 1
  fi
  command -v redis-server 2>/dev/null && return 0
  for d in /usr/bin /usr/sbin /usr/local/bin; do
    [[ -x "$d/redis-server" ]] && { echo "$d/redis-server"; return 0; }
  done
  return 1
}

how_to_get_redis() {
  cat >&2 <<EOT
[ensure-redis] Task results need a Redis server on ${HOST}:${PORT}.
[ensure-redis] Get one in any of these ways, then run this script again:
[ensure-redis]   - Debian/Ubuntu, as root:  apt-get install -y --no-install-recommends redis-server
[ensure-redis]                              redis-server --daemonize yes
[ensure-redis]   - Docker:                  docker run -d --name redis -p 127.0.0.1:${PORT}:6379 redis:7
[ensure-redis]   - macOS (Homebrew):        brew install redis && brew services start redis
EOT
}

# --- 1. Already there? ------------------------------------------------------------------------
if redis_answers; then
  log "Redis already answers on ${HOST}:${PORT}; nothing to do."
  exit 0
fi
if port_open; then
  die "something listens on ${HOST}:${PORT} but does not answer PING like Redis (a password set? a different server?); free the port or point the tests elsewhere."
fi
log "nothing answers on ${HOST}:${PORT}."

# --- 2. Installed? ----------------------------------------------------------------------------
SERVER="$(find_server)" || SERVER=""
if [[ -z "$SERVER" ]]; then
  log "redis-server is not installed."
  if [[ "$(id -u)" -ne 0 ]]; then
    log "not running as root, so it cannot be installed from here."
    how_to_get_redis
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    log "apt-get is not available on this machine."
    how_to_get_redis
    exit 1
  fi
  log "installing redis-server with apt-get..."
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get update -q </dev/null >&2; then
    log "apt-get update failed."
    how_to_get_redis
    exit 1
  fi
  if ! apt-get install -y -q --no-install-recommends redis-server </dev/null >&2; then
    log "apt-get install redis-server failed."
    how_to_get_redis
    exit 1
  fi
  SERVER="$(find_server)" || die "redis-server was installed but cannot be found."
  log "installed: $SERVER"
  # The package may have started the service itself (systemd); check before starting another.
  for _ in 1 2 3; do
    if redis_answers; then
      log "the freshly installed service already answers on ${HOST}:${PORT}."
      exit 0
    fi
    sleep 1
  done
fi

# --- 3. Start it ------------------------------------------------------------------------------
log "starting: $SERVER on ${HOST}:${PORT} (daemonized, no persistence)"
# From a scratch directory: redis-server writes nothing there with persistence off, but be safe.
(cd "${TMPDIR:-/tmp}" && exec "$SERVER" --bind "$HOST" --port "$PORT" --daemonize yes --save '' --appendonly no \
  </dev/null >&2 2>&1) || die "'$SERVER' failed to start (exit $?)."

DEADLINE=$((SECONDS + TIMEOUT_S))
while ((SECONDS < DEADLINE)); do
  if redis_answers; then
    log "Redis answers on ${HOST}:${PORT}."
    exit 0
  fi
  sleep 1
done
die "redis-server was started but ${HOST}:${PORT} did not answer PING within ${TIMEOUT_S} s."
