#!/bin/sh
# What the linux-arm64 standalone binary needs to run on this amd64 machine, so a test can run it:
# qemu-user (qemu-aarch64-static) and an arm64 sysroot holding the libraries Node links against
# (glibc, libstdc++, libgcc_s, libatomic), unpacked from Debian's own arm64 packages into
#   node_modules/.cache/otel-doctor-arm64/root    (then: qemu-aarch64-static -L <root> <binary>)
# Needs root and apt. The arm64 architecture is added to dpkg only for the download and removed again
# (nothing arm64 is installed on the system). Debian's archive carries arm64 in the same mirror; on Ubuntu
# the arm64 packages live on ports.ubuntu.com and this script would need that source. .ci/run calls it;
# without it test/ship/arm64.test.ts skips and says so.
set -eu
cd "$(dirname "$0")/.."
out=$PWD/node_modules/.cache/otel-doctor-arm64
libs="libc6 libstdc++6 libgcc-s1 libatomic1"
if [ -e "$out/root/lib/ld-linux-aarch64.so.1" ] && command -v qemu-aarch64-static >/dev/null 2>&1; then
  echo "arm64 sysroot: already in $out/root"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "arm64 sysroot: needs root and apt-get" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
added=
dl=
restore() {
  [ -n "$dl" ] && rm -rf "$dl"
  if [ -n "$added" ]; then
    dpkg --remove-architecture arm64 || true
    apt-get update -q >/dev/null 2>&1 || true
  fi
}
# dash runs an EXIT trap only on exit: make an interrupt exit too, so the architecture is always removed
trap restore EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
  added=1
fi
# one update for both: a fresh image may have no package lists at all
apt-get update -q >/dev/null
command -v qemu-aarch64-static >/dev/null 2>&1 || apt-get install -y -q qemu-user-static >/dev/null
dl=$(mktemp -d)
(cd "$dl" && for l in $libs; do apt-get download -q -o APT::Sandbox::User=root "$l:arm64" >/dev/null; done)
rm -rf "$out/root.new"
mkdir -p "$out/root.new"
for deb in "$dl"/*.deb; do dpkg-deb -x "$deb" "$out/root.new"; done
rm -rf "$out/root"
mv "$out/root.new" "$out/root"
echo "arm64 sysroot: $out/root ($libs)"
