// Package connect plays Twilio's side of <Connect><ConversationRelay> and <Connect>/<Start><Stream> WebSocket sessions against an app.
//
// The call engine (package simulate, connect.go) runs these sessions when
// TwiML opens them; facts.go holds every choice made where Twilio's
// behaviour is unconfirmed.
package connect
