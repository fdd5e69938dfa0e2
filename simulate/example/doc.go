// Package example makes the reproducible example requests and field documentation of `callsim example` and `callsim fields`.
package example
