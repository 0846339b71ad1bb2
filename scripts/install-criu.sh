#!/bin/bash
# Installs what the CRIU agent backend and its tests need:
#  1. CRIU 4.2 into a private, git-ignored prefix (default <repo>/.cache/criu, binary at PREFIX/bin/criu).
#     Debian bookworm's own criu (3.17) cannot run on Linux >= 6.16 (it rejects the vDSO layout and fails
#     on SO_PASSCRED for TCP sockets), so we take criu and its two private libraries from Debian sid and
#     the shared libraries they link from Debian trixie, unpack them into the prefix with dpkg -x, and run
#     criu under trixie's own dynamic loader: the system's libc and apt sources stay as they are.
#  2. util-linux's unshare (>= 2.32, for --kill-child) from the system's Debian sources when missing: the
#     agent runs each worker as PID 1 of its own PID and mount namespaces, so that one snapshot can be
#     restored many times at once.
# Idempotent: when a CRIU >= 4.2 is already in the prefix it returns at once.
# Usage: scripts/install-criu.sh [PREFIX]      Env: PRONGHORN_SKIP_APT=1 skips step 2.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PREFIX="${1:-$ROOT/.cache/criu}"
case "$PREFIX" in /*) ;; *) PREFIX="$ROOT/$PREFIX" ;; esac

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
quiet_apt() { grep -v -e unsandboxed -e 'no version information' || true; }

install_system_packages() {
  [ "${PRONGHORN_SKIP_APT:-0}" = 1 ] && return 0
  local missing=()
  unshare --help 2>/dev/null | grep -q -- --kill-child || missing+=(util-linux)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq 2>&1 | quiet_apt
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || { echo "install-criu: apt-get install ${missing[*]} failed" >&2; exit 1; }
}

criu_ok() {
  [ -x "$PREFIX/bin/criu" ] && "$PREFIX/bin/criu" --version 2>/dev/null | grep -q 'Version: \(4\.[2-9]\|[5-9]\.\)'
}

install_system_packages
if criu_ok; then
  echo "criu already installed: $PREFIX/bin/criu"
  exit 0
fi

WORK="$(mktemp -d)"
trap 'cd /; rm -rf "$WORK"' EXIT
mkdir -p "$WORK/lists/partial" "$WORK/cache/archives/partial"
# A private apt configuration: its own sources list, package lists and cache in WORK, nothing system-wide.
printf 'deb http://deb.debian.org/debian trixie main\ndeb http://deb.debian.org/debian sid main\n' >"$WORK/sources.list"
APT_OPTS=(-o Dir::Etc::SourceList="$WORK/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o Dir::State::Lists="$WORK/lists" -o Dir::Cache="$WORK/cache" -o APT::Get::List-Cleanup=0)
echo "fetching CRIU 4.2 packages (Debian sid/trixie) into $PREFIX"
apt-get "${APT_OPTS[@]}" update -qq 2>&1 | quiet_apt
cd "$WORK"
apt-get "${APT_OPTS[@]}" download -qq criu/sid libcompel1/sid libnet9/sid \
  libbsd0/trixie libc6/trixie libffi8/trixie libgmp10/trixie libgnutls30t64/trixie libhogweed6t64/trixie \
  libidn2-0/trixie libjansson4/trixie libmd0/trixie libmnl0/trixie libnettle8t64/trixie libnftables1/trixie \
  libnftnl11/trixie libnl-3-200/trixie libp11-kit0/trixie libprotobuf-c1/trixie libtasn1-6/trixie \
  libunistring5/trixie libuuid1/trixie libxtables12/trixie 2>&1 | quiet_apt
ls ./*.deb >/dev/null 2>&1 || { echo "install-criu: downloading the CRIU packages failed" >&2; exit 1; }

# Unpack into a staging prefix and swap it in, so an interrupted install never leaves a half-made prefix.
STAGE="$PREFIX.stage.$$"
rm -rf "$STAGE"; mkdir -p "$STAGE/bin"
for deb in ./*.deb; do dpkg -x "$deb" "$STAGE/root"; done
# The wrapper locates its root relative to itself, so the prefix also works bind-mounted into a container.
cat >"$STAGE/bin/criu" <<'WRAPPER'
#!/bin/sh
R="$(cd "$(dirname "$0")/.." && pwd)/root"
exec "$R/usr/lib64/ld-linux-x86-64.so.2" --library-path "$R/usr/lib/x86_64-linux-gnu:$R/lib/x86_64-linux-gnu" "$R/usr/sbin/criu" "$@"
WRAPPER
chmod +x "$STAGE/bin/criu"
rm -rf "$PREFIX.old"; [ -e "$PREFIX" ] && mv "$PREFIX" "$PREFIX.old"
mkdir -p "$(dirname "$PREFIX")"; mv "$STAGE" "$PREFIX"; rm -rf "$PREFIX.old"

"$PREFIX/bin/criu" --version 2>&1 | grep Version
if ! "$PREFIX/bin/criu" check >/dev/null 2>&1; then
  echo "install-criu: 'criu check' fails on this kernel:" >&2
  "$PREFIX/bin/criu" check 2>&1 | grep -v 'no version information' | tail -5 >&2
  exit 1
fi
echo "criu installed: $PREFIX/bin/criu (criu check: looks good)"
