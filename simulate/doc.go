// Package simulate is the call engine: it plays one call against a voice webhook, verb by verb, and records a Transcript.
//
// The other concerns live beside it: the Twilio contract (parameters,
// profiles, SIDs, error codes, overrides) in simulate/contract, the
// X-Twilio-Signature rules in simulate/signature, building and sending the
// signed requests in simulate/webhook, the renderers in simulate/report and
// the documentation examples in simulate/example.
//
// The engine files follow the call: engine.go runs the step loop and
// fetches documents, say.go, gather.go, record.go and dial.go interpret
// their verbs, fallback.go the fallback URL and relative URLs, and
// callbacks.go the end-of-call request and status callbacks.
package simulate
