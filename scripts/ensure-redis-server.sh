#!/bin/sh
# The fault and Cluster tests start redis-servers of their own (never the shared one). They need
# Debian's redis-server and redis-cli; install them when missing and allowed to, else say how.
set -e
if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "redis-server/redis-cli missing: installing Debian's redis-server package" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  exit 0
fi
echo "redis-server and redis-cli are needed by the tests: install them (Debian: sudo apt-get install redis-server)" >&2
exit 1
