#!/bin/sh
# The Swagger UI test loads /docs in headless Chromium through playwright-core, which never
# downloads a browser: it drives Debian's chromium at /usr/bin/chromium. Install it when missing
# and allowed to, else say how.
set -e
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "chromium missing: installing Debian's chromium package" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  exit 0
fi
echo "chromium is needed by the Swagger UI test: install it (Debian: sudo apt-get install chromium)" >&2
exit 1
