// Package connect plays Twilio's side of <Connect><ConversationRelay> and <Connect>/<Start><Stream> WebSocket sessions against an app.
package connect
