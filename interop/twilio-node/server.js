// Used by interop/run.sh: a voice app built on the official twilio npm package,
// rejecting (403) any request whose X-Twilio-Signature does not validate.
const http = require('http');
const twilio = require('twilio');
const token = process.env.TOKEN;
const port = parseInt(process.env.PORT || '3000');
let ok = 0, bad = 0;
http.createServer((req, res) => {
  let body = '';
  req.on('data', c => body += c);
  req.on('end', () => {
    const host = req.headers.host;
    const url = 'http://' + host + req.url;
    const params = req.method === 'POST' ? Object.fromEntries(new URLSearchParams(body)) : {};
    const valid = twilio.validateRequest(token, req.headers['x-twilio-signature'] || '', url, params);
    if (!valid) { bad++; console.log('INVALID', req.method, url); res.writeHead(403); res.end('invalid signature'); return; }
    ok++; console.log('valid', req.method, url.slice(0, 90));
    const q = req.method === 'POST' ? new URLSearchParams(body) : new URL(url).searchParams;
    const vr = new twilio.twiml.VoiceResponse();
    const path = new URL(url).pathname;
    if (q.get('CallStatus') === 'completed') { res.writeHead(200, {'Content-Type': 'text/xml'}); res.end(vr.toString()); return; }
    if (path === '/voice') {
      const g = vr.gather({ numDigits: 1, action: '/menu', method: req.method });
      g.say('Press 1 for sales or 2 to leave a message.');
      vr.redirect({ method: req.method }, '/voice');
    } else if (path === '/menu') {
      if (q.get('Digits') === '1') { vr.dial({ action: '/after-dial' }, '+14155550100'); }
      else { vr.record({ action: '/recorded', maxLength: 30 }); }
    } else if (path === '/after-dial') { vr.say('Dial status ' + (q.get('DialCallStatus') || q.get('DialStatus'))); vr.hangup(); }
    else if (path === '/recorded') { vr.say('Got it'); vr.hangup(); }
    res.writeHead(200, {'Content-Type': 'text/xml'}); res.end(vr.toString());
  });
}).listen(port, '127.0.0.1', () => console.log('listening', port));
process.on('SIGTERM', () => { console.log('SUMMARY ok=' + ok + ' bad=' + bad); process.exit(0); });
