#!/usr/bin/env bash
# Interop check, run by hand (needs Node.js and the npm registry): an IVR
# written with Twilio's official Node library validates every request callsim
# sends, POST and GET, legacy and 2010-04-01, with a port in the URL and
# without one (port 80: run as root). Prints the validator's tally.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
(cd "$work" && npm init -y >/dev/null && npm install --silent twilio@5 >/dev/null)
cp "$here/twilio-node/server.js" "$work/"
(cd "$here/.." && go build -o "$work/callsim" .)
export TOKEN=interop-token-$RANDOM
ports=(3000)
[ "$(id -u)" = 0 ] && ports+=(80)
for p in "${ports[@]}"; do
  (cd "$work" && PORT=$p node server.js >"$work/log$p.txt" 2>&1 &)
done
sleep 1.5
status=0
for p in "${ports[@]}"; do
  url=http://127.0.0.1:$p/voice
  [ "$p" = 80 ] && url=http://localhost/voice
  for args in "--method POST --digits 1" "--method GET --digits 2" \
              "--method POST --digits 2 --api-version 2010-04-01" "--method GET --digits 1 --api-version 2010-04-01"; do
    # shellcheck disable=SC2086
    "$work/callsim" inbound --url "$url" --auth-token "$TOKEN" $args | tail -1 || status=1
  done
done
pkill -TERM -f "$work/server.js" 2>/dev/null || pkill -TERM -f "node server.js" || true
sleep 0.5
grep -h -e SUMMARY -e INVALID "$work"/log*.txt
exit $status
