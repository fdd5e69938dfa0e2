#!/usr/bin/env bash
# Interop check for callsim serve, run by hand (needs Node.js and the npm
# registry): an app using Twilio's official Node library (twilio@5) creates
# calls through callsim serve, pointed at it with the SDK's httpClient hook,
# and checks its webhooks, the status callbacks, fetch, a live redirect and
# Twilio's errors (twilio-node/serve-app.js). Exit status 0 when all pass.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
serve_pid=
cleanup() { [ -n "$serve_pid" ] && kill -INT "$serve_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
(cd "$work" && npm init -y >/dev/null && npm install --silent twilio@5 >/dev/null)
cp "$here/twilio-node/serve-app.js" "$work/"
(cd "$here/.." && go build -o "$work/callsim" .)
export ACCOUNT_SID=AC$(head -c16 /dev/urandom | od -An -tx1 | tr -d ' \n')
export AUTH_TOKEN=interop$RANDOM$RANDOM
# Real time, so the live call is still running when the app redirects it.
"$work/callsim" serve --addr 127.0.0.1:4010 --account-sid "$ACCOUNT_SID" --auth-token "$AUTH_TOKEN" --real-time >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/4010) 2>/dev/null && break; sleep 0.1; done
status=0
(cd "$work" && CALLSIM_API=http://127.0.0.1:4010 PORT=3001 node serve-app.js) || status=1
kill -INT "$serve_pid"; wait "$serve_pid" || status=1; serve_pid=
echo "--- callsim serve log ---"
cat "$work/serve.log"
exit $status
