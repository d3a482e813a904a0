#!/usr/bin/env bash
# Runs pika-conformance on a Pika binary the way a project outside this checkout does: packs the
# kit (npm pack), installs the tarball into an empty temporary directory (runtime dependencies
# only), and runs `npx --no-install pika-conformance` there with relative paths. The reports land
# in <report dir>, under the caller's directory. The workflow in this folder calls it, and so
# does this kit's own CI on the real v4.0.1 binary, so the example cannot rot.
#
# usage: run-kit.sh <kit: a checkout of pika-conformance, or a pika-conformance-*.tgz>
#                   <pika binary> <report dir> [pika-conformance options...]
# The exit code is the kit's: 0 when every scenario passed or failed as the build's ledger says.
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '8,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
kit=$1 bin=$2 reports=$3
shift 3
[ -e "$kit" ] || { echo "run-kit.sh: no kit at $kit (a checkout or a .tgz)" >&2; exit 2; }
[ -x "$bin" ] || { echo "run-kit.sh: $bin is not an executable Pika binary" >&2; exit 2; }
kit=$(realpath "$kit")
bin=$(realpath "$bin")
mkdir -p "$reports"
reports=$(realpath "$reports")

work=$(mktemp -d "${TMPDIR:-/tmp}/pika-conformance-adopt-XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -d "$kit" ]; then
  echo "run-kit.sh: packing the kit in $kit"
  [ -d "$kit/node_modules" ] || (cd "$kit" && npm ci --no-audit --no-fund)
  (cd "$kit" && npm pack --silent --pack-destination "$work" >/dev/null)
  tarball=$(ls "$work"/pika-conformance-*.tgz)
else
  tarball=$kit
fi

cd "$work"
mkdir project
cd project
echo '{ "name": "pika-ci-job", "private": true }' >package.json
echo "run-kit.sh: installing $(basename "$tarball") into an empty directory ($PWD)"
npm install --no-audit --no-fund --omit=dev "$tarball"
ln -s "$bin" pika # the binary stays where it is; the kit gets a path relative to this directory
# Pika refuses to start unless the open-file limit is at least its maxclients + 5000.
ulimit -n 65536 2>/dev/null || true
# npm runs the kit through its script-shell; bash runs it in its own place, so a SIGINT that CI
# sends to npm alone reaches the kit (dash, Debian's sh, catches it and waits).
if command -v bash >/dev/null 2>&1; then export npm_config_script_shell=${npm_config_script_shell:-$(command -v bash)}; fi
status=0
npx --no-install pika-conformance --target binary --pika-bin ./pika --report-dir ./reports "$@" || status=$?
cp -r reports/. "$reports"/
echo "run-kit.sh: reports in $reports (exit $status)"
exit $status
