// Package installcheck proves that callsim installs the way its README says:
// go install github.com/callsim/callsim@version. Its tests build the module
// zip that the Go module proxy would serve (git-tracked files only) and, with
// -install, serve it from a file:// GOPROXY, install it offline and run the
// installed binary's demo:
//
//	go test ./internal/installcheck -run Install -install -count=1 -v
//
// The package has no code of its own; it exists for those tests.
package installcheck
