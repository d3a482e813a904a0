#!/usr/bin/env bash
# Builds a local image in the official Pika image's layout (/pika/bin/pika, /pika/conf/pika.conf)
# without any registry: a root filesystem of this machine's programs and the libraries they load,
# loaded with `docker import`. Two kinds:
#
#   docker/build-image.sh reference [image:tag]
#       the kit's reference server (this machine's node, the compiled kit and its node_modules);
#       default tag pika-conformance/reference:local
#   docker/build-image.sh pika <path/to/pika> [image:tag]
#       a Pika binary you built (static but for glibc), with the pika.conf next to it when there
#       is one; default tag pika-conformance/pika:local. The binary stays where it is: the image is
#       made at test time and never leaves this machine.
#
# Both images also carry /bin/sh and bash (docker-compose.yml's health check runs bash).
# Needs a running Docker engine; the reference kind needs `npm ci` done in this checkout.
set -euo pipefail
# A command that fails under set -e says where, rather than ending the script in silence.
trap 'echo "$0: failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
root=$(cd "$(dirname "$0")/.." && pwd)
usage() { echo "usage: $0 reference [image:tag] | $0 pika <path/to/pika> [image:tag]" >&2; exit 2; }
kind=${1:-}
case $kind in
  reference) tag=${2:-pika-conformance/reference:local} ;;
  pika)
    bin=${2:-}
    [ -n "$bin" ] || usage
    [ -f "$bin" ] && [ -x "$bin" ] || { echo "$bin is not an executable file" >&2; exit 1; }
    bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
    tag=${3:-pika-conformance/pika:local}
    ;;
  *) usage ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/pika-conformance-image-XXXXXX")
trap 'rm -rf "$work"' EXIT
fs=$work/rootfs
mkdir -p "$fs/pika/bin" "$fs/pika/conf" "$fs/pika/data" "$fs/tmp"
chmod 1777 "$fs/tmp"

# A program and every shared library it loads, at the paths it names them by.
add() {
  local f lib
  for f in "$@"; do
    cp -L --parents "$f" "$fs"
    for lib in $(ldd "$f" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
      [ -e "$fs$lib" ] || cp -L --parents "$lib" "$fs"
    done
  done
}
add /bin/sh /bin/bash /bin/cp
# glibc loads libgcc_s at run time (thread exit and cancellation), which ldd does not show: without
# it a Pika thread that exits aborts the process ("libgcc_s.so.1 must be installed").
# awk reads to the end: an early exit lets ldconfig die of SIGPIPE now and then (141, under load),
# which pipefail turns into a silent end of the script (CI, 2026-12-03: no image was built).
libgcc=$(ldconfig -p | awk '/libgcc_s\.so\.1 .*x86-64/ && !found { print $NF; found = 1 }')
[ -n "$libgcc" ] && cp -L --parents "$libgcc" "$fs"
[ -e /etc/ld.so.cache ] && cp --parents /etc/ld.so.cache "$fs"

if [ "$kind" = reference ]; then
  [ -f "$root/dist/bin/pika-reference-server.js" ] || { echo "run npm ci (or npm run build) in $root first" >&2; exit 1; }
  node_bin=$(command -v node)
  add "$node_bin"
  if [ "$node_bin" != /usr/local/bin/node ]; then mkdir -p "$fs/usr/local/bin" && ln -s "$node_bin" "$fs/usr/local/bin/node"; fi
  # The kit: what the reference server runs on (the linter's and the compiler's binaries are not needed).
  mkdir -p "$fs/kit"
  tar -C "$root" --exclude=node_modules/@biomejs --exclude=node_modules/typescript --exclude=node_modules/.cache \
    -cf - package.json bin dist fixtures node_modules | tar -C "$fs/kit" -xf -
  printf '#!/bin/sh\n# pika-conformance reference server in the place of Pika'"'"'s binary: pika -c <pika.conf>\nexec /kit/bin/pika-reference-server "$@"\n' \
    >"$fs/pika/bin/pika"
  chmod 755 "$fs/pika/bin/pika"
  cp "$root/fixtures/pika/compose/master.conf" "$fs/pika/conf/pika.conf"
  message="pika-conformance reference server, official Pika layout"
else
  add "$bin"
  mv "$fs$bin" "$fs/pika/bin/pika"
  if [ -f "$(dirname "$bin")/pika.conf" ]; then cp "$(dirname "$bin")/pika.conf" "$fs/pika/conf/pika.conf"; fi
  message="Pika from $bin ($(sha256sum "$bin" | cut -c1-12)), official layout, built by pika-conformance"
fi

tar -C "$fs" -cf - . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'WORKDIR /pika' \
  --change 'CMD ["/pika/bin/pika", "-c", "/pika/conf/pika.conf"]' \
  --message "$message" \
  - "$tag" >/dev/null
echo "built $tag ($(docker image inspect --format '{{.Size}}' "$tag" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
