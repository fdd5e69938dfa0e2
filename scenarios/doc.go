// Package scenarios loads YAML call scenarios and replays them against a voice app.
//
// A scenario describes one call — who calls whom, what the caller does at
// each prompt — and what the app must answer. `callsim run` loads every
// file first (any problem in any file: exit 2, no request sent), replays
// the scenarios, and exits 1 when one failed.
//
// # Files
//
// A file holds one scenario (a mapping), a list of them, or several YAML
// documents (---) of either form. Anchors, aliases and merge keys (<<: *x)
// work as in any YAML. Every string value may use variables:
// ${NAME}, ${NAME:-default} (unset or empty), ${NAME-default} (unset),
// ${NAME:?message} (an error when unset or empty), and $$ for a literal $.
// Unknown keys are errors. Errors read `file:line:column: key: message`.
//
//	name: Sales line busy
//	url: ${APP_URL:-http://127.0.0.1:3000}/voice
//	auth_token: ${TWILIO_AUTH_TOKEN:-}
//	status_callback: ${APP_URL:-http://127.0.0.1:3000}/status
//	call: {from: "+14158675309", to: "+14155551212", api_version: 2010-04-01}
//	steps:
//	  - expect: {status: 200, say: "For sales press 1", gather: {numDigits: 1}}
//	  - press: "1"
//	    expect: {dial: "+14155550100", request: {Digits: "1"}}
//	  - dial_outcome: busy
//	    expect: {say: /try again later/i, request: {DialCallStatus: busy}, hangup: true}
//	expect_end: {call_status: completed, status_callbacks: [completed]}
//
// # Scenario keys
//
// name (default: the file name, with #n in a list; unique in a file),
// description, skip (true or a reason), url (required unless --url; --url
// replaces it entirely), method, auth_token (--auth-token replaces it),
// signing_url, timeout (per request, e.g. 5s), max_steps, no_end (legacy
// API only), fallback_url, fallback_method, status_callback,
// status_callback_method, status_events (outbound calls: an inbound call's
// status callback is the phone number's and hears only the end, with a
// warning when events are asked for), async_amd_callback,
// async_amd_callback_method, call, steps, when_steps_run_out, expect_end.
//
// call: direction (inbound, outbound, outbound-api), from, to, api_version (legacy,
// 2010-04-01), dial_status (outbound; on 2010-04-01 an unanswered call,
// busy, failed, no-answer or canceled, requests no TwiML and reaches the
// app through its status callback only), answered_by (outbound,
// 2010-04-01: human, machine_start, machine_end_beep, machine_end_silence,
// machine_end_other, fax or unknown), async_amd (detection runs while the
// call goes on; the result goes to async_amd_callback), account_sid, params (extra request
// fields; --param adds to them), seed (default: derived from the file and
// scenario names, so runs are reproducible), no_geo.
//
// direction: outbound-api starts the call from the REST API instead: the
// runner starts a callsim serve in process and creates the call with a
// REST request (To, From, Url, Method, FallbackUrl, StatusCallback and the
// status_events), so the app receives what a call its SDK created would
// bring (API version 2010-04-01, the CallSid the API returned, webhooks
// signed with auth_token). dial_status picks how the callee answers
// (answered-human, answered-machine and hangup-machine turn on
// MachineDetection); params and signing_url do not apply.
//
// # Steps
//
// A step is at most one action and an expect mapping. Its action answers
// the prompt the app is waiting on; its expectations look at everything
// that follows, up to the next prompt or the end of the call (the step's
// window):
//
//   - The first step has no action: its expectations apply to the call's
//     first response (the first request, any Redirects, up to the first
//     prompt). When the first step written has an action, it answers the
//     first prompt and the first response is not checked.
//   - press (keys) and speak (words, optional confidence) answer a
//     <Gather> that listens for dtmf or speech; wait lets a <Gather> time
//     out; record (seconds, or {seconds, ends, transcription}) answers a
//     <Record>: ends is key (the last of finishOnKey), key:# (that key),
//     silence, max-length or hangup (Twilio still requests the action,
//     with Digits=hangup and CallStatus=completed; silence and max-length
//     send no Digits), transcription the text sent to transcribeCallback;
//     dial_outcome (completed,
//     busy, no-answer, failed, canceled) answers a <Dial>; hangup: true
//     hangs up at any prompt, and no step may follow it.
//   - When the app waits on something the step cannot answer (the app
//     asks for a <Gather> but the step says dial_outcome), the scenario
//     fails there, naming the step, its line and what the app asked for.
//   - Steps left over when the call ends fail the scenario. A prompt with
//     no step left makes the caller hang up (when_steps_run_out: hangup,
//     the default) or fails the scenario (when_steps_run_out: fail).
//   - At the first step that fails, callsim hangs up; the rest is not
//     played, and the report shows that step's failures.
//
// # Expectations (expect)
//
// About the first response of the window (the app's answer to the
// action; for the first step, to the call's first request):
// status (HTTP status), content_type (media type, parameters ignored
// unless written), verbs (the TwiML's top-level verbs, exactly, in
// order), xpath (a mapping of XPath expression to: true/false to exist or
// not, a whole number to count, or text to match a selected node's value;
// see below), body (substring), url (where the request went: a path, a full URL or a
// /regex/), request (fields callsim sent; null means the field must not
// be sent).
//
// About the whole window: max_latency (a bound on every TwiML response),
// say and play (substrings or /regex/ of what the caller heard; a list
// must be heard in that order), redirect (a <Redirect> target: path, URL
// or /regex/), hangup (true: the app hung up with <Hangup>), and gather,
// record, dial: the window ends at that verb (the app's next prompt), with
// these attributes (the app's value, or Twilio's default when absent):
// gather: {numDigits: 1}, dial: "+14155550100" (a number dialled) or
// dial: {to: …, timeout: 20}.
//
// # XPath
//
// An xpath key is any XPath 1.0 expression (every axis, operator and
// function but id() and lang(), which TwiML has no use for; also
// ends-with, lower-case, matches and reverse from XPath 2.0, but not
// replace or string-join, whose results can grow without bound),
// evaluated by github.com/antchfx/xpath with the TwiML document as
// context: "//Dial/Number", "count(//Say) - 1", "//Pause/following-sibling::Say/@voice",
// "string-length(//Say[1]) < 200". Element and attribute names are
// TwiML's, case-sensitive. The string value of a <Say> is its spoken
// text (SSML inside it joined, whitespace collapsed, as the call speaks
// it); of another element, its text and its children's values joined by
// single spaces; an element's text is its first child, before its child
// elements. The expression's value is checked against what it maps to:
//   - true/false: a node set that is not empty, a number other than 0, a
//     non-empty string, or the boolean itself;
//   - a whole number: the size of the node set, or the number itself;
//   - a text (see Matching text): any node of the set whose value
//     matches, or the string, number or boolean written as text.
//
// Expressions are compiled when the file is loaded, so callsim run
// --check reports a bad one as file:line:col. An expression may nest at
// most 32 parentheses and brackets and be at most 2000 bytes long; its
// evaluation stops when the run is cancelled and after a bounded amount
// of work (2^22 steps: about a second), which fails the expectation.
//
// # Voice AI: ConversationRelay and Media Streams
//
// A <Connect><ConversationRelay> opens a session in which each speak or
// press step is one caller turn (a `prompt`, or one `dtmf` per key) and
// hangup ends the call; at any other step (it answers what follows the
// session) or when the steps run out, the caller waits a moment for the
// agent to send `end`, then hangs up. A step played as a turn
// takes these expectations, checked once the call is over:
//   - agent: what the agent answered (substring or /regex/; a list
//     matches its utterances in order);
//   - first_token_under, last_token_under: the time from the caller's
//     turn to the agent's first token and to its `last: true`;
//   - handoff (the `end` message's handoffData), session_status (ended,
//     completed or failed) and action_fields (the fields of the
//     <Connect action> request, as request does for a step).
//
// On the step whose TwiML opened the session the same keys check the
// agent's opening (welcome greeting, turn 0) and the session's end, and
// Media Streams have first_audio_under (the app's first audio after the
// caller's audio ended) and audio_back (at least this much of it). The
// caller's audio on a stream is generated silence, sent in real time;
// see assistant.yaml.
//
// # The end of the call (expect_end)
//
// call_status (the final CallStatus), end_reason (substring or /regex/
// of how it ended), completed_request (legacy API: the end-of-call request
// with CallStatus=completed was sent and answered; 2010-04-01 sends no such
// request, so completed_request: true is a load error there: check
// status_callbacks: [completed] instead), status_callbacks (the
// events delivered, in order: initiated, ringing, answered, completed),
// errors (the Twilio error codes the call had, in order), warnings (the
// number of warnings: TwiML's 12200 and 13xxx, a callback answered 4xx or
// 5xx (15003, which does not fail the call), status events an inbound
// call's status callback cannot have). A call with errors (a 500, bad TwiML, a
// timeout) fails unless expect_end.errors lists them.
//
// # Matching text
//
// Wherever a text is expected, write the text (compared whole, or as a
// substring for say, play, body and end_reason), a /regular expression/
// with optional flags i, m, s (Go syntax), or {equals: …}, {contains: …}
// or {regex: …} — the form to use for a literal value that looks like a
// /regex/, such as the path /voice/.
//
// # Runs
//
// Replayer replays scenarios on a pool of workers; results come back in
// file order whatever the order they finish in. A Shard (--shard i/n)
// takes every n-th scenario of the whole list, so n CI jobs run each
// scenario exactly once. --retries reruns a failed scenario; every
// attempt is kept in the reports (JUnit: rerunFailure/flakyFailure).
// Reports: text (each failure with "want:" and "got:" lines, or a
// unified diff of a body expected in full, then the transcript), JUnit,
// TAP 14, JSON, and GitHub Actions annotations.
//
// The JSON Schema of the format (draft 2020-12) is Schema, printed by
// `callsim schema`.
package scenarios
