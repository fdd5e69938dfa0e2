// Package restapi serves the Calls part of Twilio's REST API and hands each created call to a call engine.
package restapi
