// Package redact hides secrets (auth tokens, URL passwords) in everything callsim writes.
package redact
