// Package webhook builds signed webhook requests and delivers them over net/http with Twilio's timeouts, retries and redirects.
//
// Every request goes through net/http: NewTransport is the tuned
// http.Transport callsim uses (keep-alive pool, bounded response headers,
// the #ct connect timeout, no cleartext HTTP/2), and Sender.Send adds
// Twilio's rules on top: the 64 kB body cap (11750), read and total
// timeouts and the retry policy of the connection overrides, at most 10
// redirects each signed for its URL (11215), cookies per call, and the
// credentials of a https://user:pass@host/ URL answering a Basic challenge.
package webhook
