package cmd

import "flag"

// update rewrites generated files the tests compare with (docs/cli):
//
//	go test ./cmd -run TestDocs -update
var update = flag.Bool("update", false, "rewrite generated files (docs/cli) instead of comparing")
