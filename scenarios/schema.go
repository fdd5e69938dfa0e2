package scenarios

import (
	"bytes"
	_ "embed"
)

//go:embed schema.json
var schemaJSON []byte

// Schema returns the JSON Schema (draft 2020-12) of scenario files, for
// editors: `callsim schema > callsim-scenario.schema.json`, then point the
// YAML language server at it (# yaml-language-server: $schema=…).
func Schema() []byte { return bytes.Clone(schemaJSON) }
