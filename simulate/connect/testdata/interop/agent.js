// A ConversationRelay agent and a Media Streams echo app written against
// Twilio's published libraries, to check callsim's side of the protocol:
// the handshake is validated with twilio's validateRequest, and every
// message callsim sends is checked for the fields Twilio documents. A
// violation closes the socket with code 4000 and the reason.
// Usage: node agent.js AUTH_TOKEN  (prints the port it listens on)
'use strict';
const http = require('http');
const { WebSocketServer } = require('ws');
const twilio = require('twilio');

const token = process.argv[2];
const server = http.createServer((req, res) => { res.writeHead(404); res.end(); });
const wss = new WebSocketServer({
  server,
  verifyClient: (info, cb) => {
    const url = `ws://${info.req.headers.host}${info.req.url}`;
    const ok = twilio.validateRequest(token, info.req.headers['x-twilio-signature'] || '', url, {});
    cb(ok, 403, 'invalid signature');
  },
});

function check(ws, cond, what) {
  if (!cond) ws.close(4000, what.slice(0, 120));
  return cond;
}
const str = (v) => typeof v === 'string';

wss.on('connection', (ws, req) => {
  if (req.url.startsWith('/relay')) relay(ws); else media(ws);
});

function relay(ws) {
  let setup = false;
  const send = (m) => ws.send(JSON.stringify(m));
  ws.on('message', (data, isBinary) => {
    if (!check(ws, !isBinary, 'binary frame')) return;
    const m = JSON.parse(data.toString());
    switch (m.type) {
      case 'setup':
        for (const f of ['sessionId', 'accountSid', 'parentCallSid', 'callSid', 'from', 'to', 'forwardedFrom', 'callType', 'callerName', 'direction', 'callStatus']) {
          if (!check(ws, str(m[f]), `setup.${f} is not a string`)) return;
        }
        if (!check(ws, /^VX[0-9a-f]{32}$/.test(m.sessionId), 'setup.sessionId')) return;
        if (!check(ws, m.customParameters && m.customParameters.tier === 'gold', 'setup.customParameters')) return;
        setup = true;
        break;
      case 'prompt':
        if (!check(ws, setup && str(m.voicePrompt) && str(m.lang) && typeof m.last === 'boolean', 'prompt fields')) return;
        if (!m.last) return;
        if (/bye/.test(m.voicePrompt)) {
          send({ type: 'text', token: 'Goodbye!', last: true });
          send({ type: 'end', handoffData: JSON.stringify({ reason: 'done', heard: m.voicePrompt }) });
          return;
        }
        for (const tok of ['You ', 'said: ', m.voicePrompt]) send({ type: 'text', token: tok, last: false });
        send({ type: 'text', token: '', last: true });
        break;
      case 'dtmf':
        if (!check(ws, /^[0-9*#]$/.test(m.digit), 'dtmf.digit')) return;
        send({ type: 'text', token: `Key ${m.digit}.`, last: true });
        break;
      case 'interrupt':
        check(ws, str(m.utteranceUntilInterrupt) && typeof m.durationUntilInterruptMs === 'number', 'interrupt fields');
        break;
      default:
        check(ws, m.type === 'error', `unexpected type ${m.type}`);
    }
  });
}

function media(ws) {
  let streamSid = null;
  let seq = 0;
  const chunks = {};
  let lastTs = -20;
  ws.on('message', (data, isBinary) => {
    if (!check(ws, !isBinary, 'binary frame')) return;
    const m = JSON.parse(data.toString());
    if (m.event === 'connected') {
      check(ws, m.protocol === 'Call' && m.version === '1.0.0' && m.sequenceNumber === undefined, 'connected fields');
      return;
    }
    if (!check(ws, m.sequenceNumber === String(seq + 1), `sequenceNumber ${m.sequenceNumber} after ${seq}`)) return;
    seq++;
    switch (m.event) {
      case 'start': {
        const s = m.start;
        if (!check(ws, /^MZ[0-9a-f]{32}$/.test(m.streamSid) && s.streamSid === m.streamSid && str(s.callSid) && str(s.accountSid), 'start ids')) return;
        if (!check(ws, s.mediaFormat.encoding === 'audio/x-mulaw' && s.mediaFormat.sampleRate === 8000 && s.mediaFormat.channels === 1, 'start.mediaFormat')) return;
        if (!check(ws, JSON.stringify(s.tracks) === '["inbound"]' && s.customParameters.tier === 'gold', 'start tracks/params')) return;
        streamSid = m.streamSid;
        break;
      }
      case 'media': {
        const md = m.media;
        const payload = Buffer.from(md.payload, 'base64');
        chunks[md.track] = (chunks[md.track] || 0) + 1;
        if (!check(ws, md.chunk === String(chunks[md.track]) && Number(md.timestamp) === lastTs + 20 && payload.length === 160, `media ${JSON.stringify({ ...md, payload: payload.length })}`)) return;
        lastTs = Number(md.timestamp);
        ws.send(JSON.stringify({ event: 'media', streamSid, media: { payload: md.payload } }));
        break;
      }
      case 'dtmf':
        if (!check(ws, m.dtmf.track === 'inbound_track' && /^[0-9*#]$/.test(m.dtmf.digit), 'dtmf fields')) return;
        ws.send(JSON.stringify({ event: 'mark', streamSid, mark: { name: `after-${m.dtmf.digit}` } }));
        break;
      case 'mark':
        if (m.mark.name === 'after-9') ws.close(1000, 'done');
        break;
      case 'stop':
        check(ws, m.stop.callSid && m.stop.accountSid, 'stop fields');
        break;
    }
  });
}

server.listen(0, '127.0.0.1', () => console.log(server.address().port));
