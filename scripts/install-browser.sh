#!/bin/bash
# Installs Debian's Chromium for the status page's browser test (driven by playwright-core), only when
# missing. Playwright's own browser download cannot be used: it fetches from outside Debian's and npm's
# registries. PRONGHORN_SKIP_APT=1 skips it (the browser test then fails, naming the missing binary).
set -euo pipefail
[ "${PRONGHORN_SKIP_APT:-0}" = 1 ] && exit 0
if [ -x /usr/bin/chromium ]; then echo "chromium already installed: /usr/bin/chromium"; exit 0; fi
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
echo "installing Debian package: chromium"
as_root apt-get update -qq 2>&1 | grep -v unsandboxed || true
DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 \
  || { echo "install-browser: apt-get install chromium failed" >&2; exit 1; }
/usr/bin/chromium --version
