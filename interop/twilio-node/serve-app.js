// Used by interop/serve.sh: an app written against the official twilio npm
// package places calls through `callsim serve` and checks what Twilio would
// promise: its webhooks get the CallSid the API returned, every request
// validates, status callbacks arrive in order, fetching the call shows
// completed with a duration, a live call redirected with inline TwiML takes
// it, and bad credentials or a bad To get Twilio's error JSON.
const http = require('http');
const twilio = require('twilio');
const { ACCOUNT_SID: sid, AUTH_TOKEN: token, CALLSIM_API: api } = process.env;
const port = parseInt(process.env.PORT || '3001');
const base = 'http://127.0.0.1:' + port;

// The documented hook: an httpClient whose request() sends api.twilio.com
// requests to callsim instead.
class ToCallsim extends twilio.RequestClient {
  request(opts) {
    opts.uri = opts.uri.replace(/^https:\/\/[a-z0-9.-]*twilio\.com/, api);
    return super.request(opts);
  }
}
const client = twilio(sid, token, { httpClient: new ToCallsim() });

const hits = []; // {path, params, valid}
http.createServer((req, res) => {
  let body = '';
  req.on('data', c => body += c);
  req.on('end', () => {
    const url = base + req.url;
    const params = Object.fromEntries(new URLSearchParams(body));
    const valid = twilio.validateRequest(token, req.headers['x-twilio-signature'] || '', url, params);
    const path = new URL(url).pathname;
    hits.push({ path, params, valid });
    const vr = new twilio.twiml.VoiceResponse();
    if (path === '/voice') { vr.say('This is your reminder.'); vr.pause({ length: 1 }); vr.say('Goodbye.'); }
    else if (path === '/hold') { vr.say('Please hold.'); vr.pause({ length: 30 }); vr.say('Still here.'); }
    else { res.writeHead(204); res.end(); return; }
    res.writeHead(valid ? 200 : 403, { 'Content-Type': 'text/xml' });
    res.end(valid ? vr.toString() : 'invalid signature');
  });
}).listen(port, '127.0.0.1', main);

let failures = 0;
function check(ok, what) { console.log((ok ? 'PASS ' : 'FAIL ') + what); if (!ok) failures++; }
const sleep = ms => new Promise(r => setTimeout(r, ms));
async function until(sidToWait, pred, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const c = await client.calls(sidToWait).fetch();
    if (pred(c) || Date.now() > end) return c;
    await sleep(50);
  }
}

async function main() {
  try {
    const call = await client.calls.create({
      to: '+14155550123', from: '+14155550100', url: base + '/voice',
      statusCallback: base + '/status', statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    });
    check(call.status === 'queued' && /^CA[0-9a-f]{32}$/.test(call.sid), 'create answers queued with a CallSid: ' + call.sid);
    const done = await until(call.sid, c => c.status === 'completed');
    check(done.status === 'completed' && Number(done.duration) > 0, 'fetch shows completed with duration ' + done.duration);
    await sleep(200);
    const mine = hits.filter(h => h.params.CallSid === call.sid);
    check(mine.length > 0 && mine.length === hits.length, 'every webhook carries the CallSid the API returned (' + mine.length + ' requests)');
    check(hits.every(h => h.valid), 'every webhook validates with twilio.validateRequest');
    const statuses = mine.filter(h => h.path === '/status').map(h => h.params.CallStatus).join(',');
    check(statuses === 'initiated,ringing,in-progress,completed', 'status callbacks in order: ' + statuses);

    const live = await client.calls.create({ to: '+14155550124', from: '+14155550100', url: base + '/hold' });
    await until(live.sid, c => c.status === 'in-progress');
    await sleep(300);
    const started = Date.now();
    await client.calls(live.sid).update({ twiml: '<Response><Say>Changed</Say></Response>' });
    const ended = await until(live.sid, c => c.status === 'completed');
    check(ended.status === 'completed' && Date.now() - started < 10000, 'a live call redirected with inline TwiML ends early (' + (Date.now() - started) + ' ms, duration ' + ended.duration + ')');

    try {
      await twilio(sid, 'wrongtoken', { httpClient: new ToCallsim() }).calls.list({ limit: 1 });
      check(false, 'bad credentials refused');
    } catch (e) { check(e.status === 401 && e.code === 20003, 'bad credentials: ' + e.status + ' ' + e.code + ' ' + e.message); }
    try {
      await client.calls.create({ to: '12', from: '+14155550100', url: base + '/voice' });
      check(false, 'bad To refused');
    } catch (e) { check(e.status === 400 && e.code === 21211, 'bad To: ' + e.status + ' ' + e.code + ' ' + e.message); }
  } catch (e) {
    check(false, 'unexpected error: ' + (e.stack || e));
  }
  console.log(failures ? 'INTEROP FAILED: ' + failures : 'INTEROP OK');
  process.exit(failures ? 1 : 0);
}
