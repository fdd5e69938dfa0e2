// Package contract is what Twilio sends a voice webhook: call parameters, API-version profiles, SIDs, error codes and URL-fragment overrides.
package contract
