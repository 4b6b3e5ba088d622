#!/usr/bin/env bash
# Installs Debian's Chromium for the portal's browser tests (playwright-core drives it; nothing
# downloads a browser of its own) when /usr/bin/chromium is missing. Idempotent.
set -euo pipefail

if [ ! -x /usr/bin/chromium ]; then
  echo "ci: installing Chromium (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
