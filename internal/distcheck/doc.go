// Package distcheck checks how callsim reaches its users besides go
// install: the GitHub Action (action.yml at the repository root) and the
// release configuration (.goreleaser.yaml). Its tests run the action's
// scripts with stand-ins for go and callsim, check that every input is
// defined, documented and used, and check the release keys callsim relies
// on. With -actionlint, the example workflow and the action's steps are
// also checked by actionlint:
//
//	GOBIN=/tmp/bin go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
//	go test ./internal/distcheck -run Actionlint -actionlint /tmp/bin/actionlint
//
// The package has no code of its own; it exists for those tests.
package distcheck
