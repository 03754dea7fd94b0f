#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (a browser download at test time is impossible
# here): install the package when /usr/bin/chromium is missing.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "Installing Debian's chromium for the browser tests…"
$sudo apt-get install -y chromium </dev/null || {
  $sudo apt-get update </dev/null
  $sudo apt-get install -y chromium </dev/null
}
