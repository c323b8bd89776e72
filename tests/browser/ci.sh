#!/usr/bin/env bash
# Browser tests of the web pages: starts `fundtrail serve --demo` on a free
# port, reads the admin token it prints, and runs run.mjs in headless
# Chromium (Debian's package, driven by npm playwright-core) with axe-core.
#
#   bash tests/browser/ci.sh            # from the repository root
#
# FUNDTRAIL_BIN: the binary (default target/debug/fundtrail, built by the caller).
# Without Chromium or Node.js: SKIPPED on a laptop, a failure when CI is set
# (CI installs Chromium with apt when it is missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${FUNDTRAIL_BIN:-target/debug/fundtrail}"
port="${FUNDTRAIL_BROWSER_PORT:-18188}"

missing() {
  if [ -n "${CI:-}" ]; then
    echo "browser tests: $1 (CI is set: this is a failure)"; exit 1
  fi
  echo "SKIPPED: browser tests: $1"; exit 0
}

if ! command -v chromium >/dev/null 2>&1 && [ -n "${CI:-}" ]; then
  echo "installing Debian's chromium"
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
fi
command -v chromium >/dev/null 2>&1 || missing "no chromium (apt-get install -y chromium)"
command -v node >/dev/null 2>&1 || missing "no node"
[ -x "$bin" ] || missing "no $bin (cargo build -p fundtrail)"

(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

work=$(mktemp -d)
"$bin" serve --demo --test-clock --listen "127.0.0.1:$port" >"$work/stdout" 2>"$work/stderr" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 150); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && grep -q 'ft_' "$work/stdout" && break
  sleep 0.2
done
token=$(grep -o 'ft_[0-9a-f]\{64\}' "$work/stdout" | head -1)
if [ -z "$token" ]; then
  echo "the demo server printed no token"; cat "$work/stdout" "$work/stderr"; exit 1
fi
status=0
FUNDTRAIL_URL="http://127.0.0.1:$port" FUNDTRAIL_TOKEN="$token" node tests/browser/run.mjs || status=$?
kill "$server"
wait "$server" || { echo "the server did not stop cleanly"; tail -20 "$work/stderr"; status=1; }
exit "$status"
