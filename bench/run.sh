#!/bin/sh
# Benchmark callsim against a plain net/http client (the floor) on this
# machine, in one run: builds callsim and the helpers, starts a minimal
# local TwiML endpoint, and prints throughput, p99, memory and startup
# figures, callsim's as ratios to the floor measured in the same run.
#
#   bench/run.sh [benchrun flags]     e.g. bench/run.sh -calls 50000 -rounds 5
#
# Takes about a minute with the defaults. Run it on an idle machine.
set -eu
cd "$(dirname "$0")/.."
bin=$(mktemp -d "${TMPDIR:-/tmp}/callsim-bench.XXXXXX")
trap 'rm -rf "$bin"' EXIT
echo "building into $bin" >&2
go build -o "$bin/callsim" .
go build -o "$bin/twimlserver" ./bench/twimlserver
go build -o "$bin/floor" ./bench/floor
go build -o "$bin/barecobra" ./bench/barecobra
go build -o "$bin/benchrun" ./bench/benchrun
"$bin/benchrun" -bin "$bin" "$@"
