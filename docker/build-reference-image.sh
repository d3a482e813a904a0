#!/usr/bin/env bash
# Builds a local image of the kit's reference server with the official Pika image's layout
# (/pika/bin/pika, /pika/conf/pika.conf), without any registry: a root filesystem made of this
# machine's node binary, the libraries it needs, a shell, and this checkout (runtime files and
# node_modules), loaded with `docker import`.
#
# usage: docker/build-reference-image.sh [image:tag]   (default pika-conformance/reference:local)
# Needs a running Docker engine and `npm ci` done in this checkout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tag=${1:-pika-conformance/reference:local}
[ -d "$root/node_modules/ts-node" ] || { echo "run npm ci in $root first" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/pika-reference-image-XXXXXX")
trap 'rm -rf "$work"' EXIT
fs=$work/rootfs
mkdir -p "$fs"

# A program and every shared library it loads, at the paths it names them by.
add() {
  local f lib
  for f in "$@"; do
    cp -L --parents "$f" "$fs"
    for lib in $(ldd "$f" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
      [ -e "$fs$lib" ] || cp -L --parents "$lib" "$fs"
    done
  done
}
node_bin=$(command -v node)
add "$node_bin" /bin/sh /bin/bash /bin/cp
[ -e /etc/ld.so.cache ] && cp --parents /etc/ld.so.cache "$fs"
if [ "$node_bin" != /usr/local/bin/node ]; then mkdir -p "$fs/usr/local/bin" && ln -s "$node_bin" "$fs/usr/local/bin/node"; fi

# The kit: what the reference server runs on (the linter's binaries are not needed).
mkdir -p "$fs/kit"
tar -C "$root" --exclude=node_modules/@biomejs --exclude=node_modules/.cache \
  -cf - package.json tsconfig.json bin harness fixtures node_modules | tar -C "$fs/kit" -xf -

# The official layout.
mkdir -p "$fs/pika/bin" "$fs/pika/conf" "$fs/pika/data" "$fs/tmp"
chmod 1777 "$fs/tmp"
cat > "$fs/pika/bin/pika" <<'SH'
#!/bin/sh
# pika-conformance reference server in the place of Pika's binary: pika -c <pika.conf>
exec /kit/bin/pika-reference-server "$@"
SH
chmod 755 "$fs/pika/bin/pika"
cp "$root/fixtures/pika/compose/master.conf" "$fs/pika/conf/pika.conf"

tar -C "$fs" -cf - . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'WORKDIR /pika' \
  --change 'CMD ["/pika/bin/pika", "-c", "/pika/conf/pika.conf"]' \
  --message "pika-conformance reference server, official Pika layout" \
  - "$tag" >/dev/null
echo "built $tag ($(docker image inspect --format '{{.Size}}' "$tag" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
