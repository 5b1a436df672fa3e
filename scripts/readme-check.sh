#!/usr/bin/env bash
# Follows the README's two commands in a fresh clone of this repository (its committed HEAD:
# uncommitted work is not checked), the way a newcomer would:
#
#   1. `npm ci && npm start`  (in the background, with PORT set): waits until GET /health
#      answers 200, posts a task with curl, waits for the app's log to show it succeeded,
#      then stops the app with SIGTERM and checks that it shut down gracefully.
#   2. `npm test`: by default only a light equivalent (`npm run typecheck` and
#      `npm run test:jest -- --listTests`); README_CHECK_FULL=1 runs the real `npm test`
#      (CI does: its tests then run in a clone with nothing beside it, as a user's would).
# Before both, it checks that the clone is alone in an empty folder and that no file refers
# to a path outside the repository.
#
# Usage (from anywhere in the repository):  bash scripts/readme-check.sh
# Environment:
#   README_CHECK_FULL=1              run the full `npm test` as step 2
#   README_CHECK_SOURCE=<path|url>   repository to clone (default: this repository)
#   README_CHECK_PORT=<port>         HTTP port of the sample (default: a free one)
#   README_CHECK_START_TIMEOUT=<s>   bound for npm ci + npm start until /health is 200 (default 300)
#   README_CHECK_KEEP=1              keep the temporary clone (its path is printed)
# Needs: git, node/npm, curl, and a RabbitMQ and a Redis the sample can reach (npm start runs
# scripts/ensure-rabbitmq.sh and scripts/ensure-redis.sh, which start one when none answers on
# 127.0.0.1:5672 / 127.0.0.1:6379).
# Exit status 0 when every step passed, 1 otherwise.
set -uo pipefail

log() { echo "[readme-check] $*"; }
fail() {
  echo "[readme-check] FAILED: $*" >&2
  exit 1
}
elapsed() { echo "$((SECONDS - $1)) s"; }

FULL="${README_CHECK_FULL:-0}"
START_TIMEOUT="${README_CHECK_START_TIMEOUT:-300}"
TASK_TIMEOUT=60
STOP_TIMEOUT=30

for tool in git node npm curl; do
  command -v "$tool" >/dev/null 2>&1 || fail "'$tool' is not installed."
done
SOURCE="${README_CHECK_SOURCE:-$(git rev-parse --show-toplevel 2>/dev/null)}" || true
[[ -n "$SOURCE" ]] || fail "run this from inside the repository, or set README_CHECK_SOURCE."

PORT="${README_CHECK_PORT:-$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}"
[[ "$PORT" =~ ^[0-9]+$ ]] || fail "could not pick a free port (got '$PORT')."
# A queue of its own, so a sample already running on this machine cannot take the test task.
QUEUE="readme-check-$$-$RANDOM"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/readme-check.XXXXXX")" || fail "mktemp failed."
CLONE="$TMP/repo"
APP_LOG="$TMP/npm-start.log"
APP_PID=""

stop_app() { # signal; returns 0 when the app's process group is gone within STOP_TIMEOUT
  local signal="$1" deadline=$((SECONDS + STOP_TIMEOUT))
  [[ -n "$APP_PID" ]] || return 0
  kill "-$signal" -- "-$APP_PID" 2>/dev/null || return 0
  while ((SECONDS < deadline)); do
    kill -0 -- "-$APP_PID" 2>/dev/null || return 0
    sleep 0.5
  done
  return 1
}

delete_queues() {
  local ctl
  ctl="$(command -v rabbitmqctl || ls /usr/sbin/rabbitmqctl 2>/dev/null)" || return 0
  for q in "$QUEUE" "$QUEUE.DQ" "$QUEUE.XQ"; do
    timeout 30 "$ctl" -q delete_queue "$q" >/dev/null 2>&1 || true
  done
}

cleanup() {
  local status=$?
  if [[ -n "$APP_PID" ]] && kill -0 -- "-$APP_PID" 2>/dev/null; then
    stop_app TERM || stop_app KILL || true
  fi
  delete_queues
  if [[ "${README_CHECK_KEEP:-0}" == 1 ]]; then
    log "kept the clone in $CLONE (log: $APP_LOG)"
  else
    rm -rf "$TMP"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_log() {
  echo "----- last 40 lines of the npm start log ($APP_LOG) -----" >&2
  tail -n 40 "$APP_LOG" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' >&2
  echo "----------------------------------------------------------" >&2
}

T_ALL=$SECONDS
log "cloning $SOURCE into $CLONE"
git clone --quiet "$SOURCE" "$CLONE" || fail "git clone failed."
cd "$CLONE" || fail "cannot enter $CLONE."
log "cloned commit $(git rev-parse --short HEAD): $(git log -1 --format=%s | cut -c1-80)"

# --- 0. self-contained -----------------------------------------------------------------------
# The clone sits alone in an empty folder, as a user's does: nothing the tests or scripts read may
# live outside it. Catch a reference before it shows up as an ENOENT in somebody else's clone.
[[ "$(ls -A "$TMP")" == "repo" ]] || fail "the clone's folder is not empty: $(ls -A "$TMP" | tr '\n' ' ')"
outside="$(git grep -nE '\.\./[s]hared|/work/[s]hared|/[s]hared/(dramatiq-wire|spec)' -- . ':!CHANGELOG.md' || true)"
[[ -z "$outside" ]] || fail "files refer to a path outside the repository:"$'\n'"$outside"
log "step 0: the clone is alone in $TMP and nothing refers to a path outside it"

# --- 1. npm ci && npm start ----------------------------------------------------------------
log "step 1: PORT=$PORT npm ci && npm start   (QUEUE_NAME=$QUEUE; log: $APP_LOG)"
T_START=$SECONDS
set -m # the background job gets a process group of its own, so it can be stopped as a whole
PORT="$PORT" QUEUE_NAME="$QUEUE" bash -c 'npm ci && npm start' </dev/null >"$APP_LOG" 2>&1 &
APP_PID=$!
set +m

log "waiting up to ${START_TIMEOUT} s for http://127.0.0.1:$PORT/health to answer 200..."
deadline=$((SECONDS + START_TIMEOUT))
code=""
while ((SECONDS < deadline)); do
  if ! kill -0 "$APP_PID" 2>/dev/null; then
    wait "$APP_PID"
    rc=$?
    APP_PID=""
    show_log
    fail "'npm ci && npm start' exited (status $rc) before /health answered 200."
  fi
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$PORT/health" 2>/dev/null)"
  [[ "$code" == 200 ]] && break
  sleep 1
done
if [[ "$code" != 200 ]]; then
  show_log
  fail "/health did not answer 200 within ${START_TIMEOUT} s (last status: ${code:-none})."
fi
log "/health answered 200 after $(elapsed "$T_START") (npm ci + build + start)"

reply="$(curl -s --max-time 15 -w '\n%{http_code}' -X POST -H 'content-type: application/json' \
  -d '{"userId": 42, "locale": "de"}' "http://127.0.0.1:$PORT/tasks/welcome")"
status="${reply##*$'\n'}"
body="${reply%$'\n'*}"
log "POST /tasks/welcome -> $status $body"
[[ "$status" == 202 ]] || {
  show_log
  fail "POST /tasks/welcome answered $status, expected 202."
}
message_id="$(sed -n 's/.*"messageId":"\([^"]*\)".*/\1/p' <<<"$body")"
[[ -n "$message_id" ]] || fail "no messageId in the reply."

log "waiting up to ${TASK_TIMEOUT} s for the log line 'Succeeded $message_id send_welcome'..."
deadline=$((SECONDS + TASK_TIMEOUT))
until grep -q "Succeeded $message_id send_welcome" "$APP_LOG"; do
  if ((SECONDS >= deadline)); then
    show_log
    fail "the task was not processed within ${TASK_TIMEOUT} s."
  fi
  sleep 0.5
done
grep -E "($message_id|Welcome email sent to user 42)" "$APP_LOG" | sed 's/\x1b\[[0-9;]*m//g' | sed 's/^/[readme-check]   app: /'

log "stopping the app with SIGTERM (up to ${STOP_TIMEOUT} s)..."
T_STOP=$SECONDS
if ! stop_app TERM; then
  show_log
  stop_app KILL || true
  fail "the app did not stop within ${STOP_TIMEOUT} s of SIGTERM."
fi
wait "$APP_PID" 2>/dev/null
APP_PID=""
grep -q "Worker stopped after" "$APP_LOG" || {
  show_log
  fail "no graceful-shutdown line ('Worker stopped after ...') in the log."
}
log "the app stopped gracefully in $(elapsed "$T_STOP")"
delete_queues

# --- 2. npm test -----------------------------------------------------------------------------
T_TEST=$SECONDS
if [[ "$FULL" == 1 ]]; then
  log "step 2: npm test   (README_CHECK_FULL=1)"
  npm test </dev/null || fail "npm test failed."
else
  log "step 2 (light; README_CHECK_FULL=1 runs the full 'npm test'): npm run typecheck && npm run test:jest -- --listTests"
  npm run --silent typecheck </dev/null || fail "npm run typecheck failed."
  tests="$(npm run --silent test:jest -- --listTests </dev/null)" || fail "npm run test:jest -- --listTests failed."
  count="$(grep -c '\.spec\.ts$' <<<"$tests")"
  ((count > 0)) || fail "jest found no test files."
  log "typecheck passed; jest lists $count test files"
fi
log "step 2 passed in $(elapsed "$T_TEST")"
log "OK: the README's commands work in a fresh clone ($(elapsed "$T_ALL") in all)"
