// Package serve runs calls created through the REST API (simulate/restapi)
// on the call engine: it is the Dialer behind `callsim serve`, with the
// server around it (listener, event log).
//
// A created call goes queued → initiated → ringing → answered or not, as
// the outcome rules decide; an answered call follows its Url (or inline
// Twiml) to the end through simulate.Runner with the 2010-04-01 profile,
// every webhook signed with the account's auth token and carrying the
// CallSid the API returned. Each step is reported to the API as it
// happens, so fetching the call shows it live, and the API's updates reach
// the running call through simulate.Live: a redirect is taken before the
// next verb, a hang-up ends the call there.
//
// Time is simulated by default: a call's ringing, speech and pauses move a
// clock that starts at the call's creation, and the call completes in
// milliseconds of wall time. Config.Scale slows it down to real time (1)
// or any fraction of it, which is how a test or a person gets to modify a
// call while it runs.
package serve
