// Package simulate makes the HTTP requests Twilio makes to a voice webhook and reports what happened.
package simulate
