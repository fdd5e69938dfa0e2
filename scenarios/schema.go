package scenarios

import _ "embed"

// Schema is the JSON Schema (draft 2020-12) of scenario files, for
// editors: `callsim schema > callsim-scenario.schema.json`, then point the
// YAML language server at it (# yaml-language-server: $schema=…).
//
//go:embed schema.json
var Schema []byte
