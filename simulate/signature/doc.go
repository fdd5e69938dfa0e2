// Package signature computes, validates and explains X-Twilio-Signature, and depends on nothing else in callsim but contract.Params.
package signature
