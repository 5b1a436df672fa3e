#!/usr/bin/env bash
# Makes sure a Chromium the browser tests can drive (with playwright-core) is installed (idempotent).
#
#  1. CHROMIUM_PATH (default /usr/bin/chromium) is executable and answers --version: done.
#  2. Otherwise install Debian's `chromium` package with apt-get (root + apt only; no other
#     download works on CI machines) and check again.
#
# Progress goes to stderr, prefixed [ensure-chromium]. Prints the executable path on stdout.
# Exit 0 when Chromium runs, 1 otherwise.
set -uo pipefail

BIN="${CHROMIUM_PATH:-/usr/bin/chromium}"

log() { echo "[ensure-chromium] $*" >&2; }

works() { timeout 30 "$BIN" --headless --no-sandbox --version </dev/null >/dev/null 2>&1; }

if [[ -x "$BIN" ]] && works; then
  log "$("$BIN" --version 2>/dev/null | head -n 1) at $BIN; nothing to do."
  echo "$BIN"
  exit 0
fi

log "no working Chromium at $BIN."
if [[ "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  log "cannot install it from here (needs root and apt-get). Install Debian's package yourself:"
  log "  sudo apt-get install -y chromium      (or set CHROMIUM_PATH to a Chromium/Chrome binary)"
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
log "installing Debian's chromium package with apt-get (about a minute)..."
# Waits for another apt/dpkg run (another test, another worktree) instead of failing on its lock.
APT_OPTS=(-o DPkg::Lock::Timeout=300 -y -q --no-install-recommends)
if ! apt-get "${APT_OPTS[@]}" install chromium </dev/null >&2; then
  log "apt-get install failed; refreshing the package lists and trying once more..."
  apt-get -o DPkg::Lock::Timeout=300 update -q </dev/null >&2 || log "apt-get update failed."
  apt-get "${APT_OPTS[@]}" install chromium </dev/null >&2 || {
    log "apt-get install chromium failed."
    exit 1
  }
fi

if [[ -x "$BIN" ]] && works; then
  log "installed: $("$BIN" --version 2>/dev/null | head -n 1) at $BIN."
  echo "$BIN"
  exit 0
fi
log "chromium was installed but $BIN does not run."
exit 1
