#!/usr/bin/env bash
# Keeps internal/phonenumbers equal to github.com/nyaruka/phonenumbers at the
# version named in internal/phonenumbers/UPSTREAM, with its protobuf
# descriptors renamed (protorename) and callsim.patch applied. See
# internal/phonenumbers/CALLSIM.md.
#
#   internal/phonenumbers/update.sh vX.Y.Z
#       Replace the copy with upstream vX.Y.Z plus callsim.patch and record
#       vX.Y.Z in UPSTREAM: the one command for a new upstream release.
#   internal/phonenumbers/update.sh --diff
#       Rewrite callsim.patch from the copy, against the recorded release
#       (after editing the copy by hand).
#   internal/phonenumbers/update.sh --check
#       Exit 1, listing the differences, if the copy is not exactly the
#       recorded release plus callsim.patch (CI runs this through
#       .ci/phonenumbers-drift).
#   internal/phonenumbers/update.sh --test [vX.Y.Z]
#       Run upstream's own tests (with -race) on a scratch copy of upstream
#       (by default the recorded release) with callsim.patch applied.
#
# The upstream source comes from the Go module cache through
# `go mod download`, so only the Go module proxy is used.
set -euo pipefail

module=github.com/nyaruka/phonenumbers
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
patchfile=$here/callsim.patch
upstreamfile=$here/UPSTREAM
# callsim's own files in the copy: neither from upstream nor patched.
own_files="CALLSIM.md UPSTREAM callsim.patch protorename staticcheck.conf update.sh"

usage() {
  echo "usage: $0 vX.Y.Z | --diff | --check | --test [vX.Y.Z]" >&2
  exit 2
}

recorded_version() {
  local v
  v=$(sed -n "s|^$module \(v[^ ]*\)\$|\1|p" "$upstreamfile")
  if [ -z "$v" ]; then
    echo "$upstreamfile: want one line \"$module vX.Y.Z\"" >&2
    exit 2
  fi
  echo "$v"
}

mode=apply
case "${1:-}" in
--diff | --check)
  mode=${1#--}
  [ $# -eq 1 ] || usage
  version=$(recorded_version)
  ;;
--test)
  mode=test
  case $# in
  1) version=$(recorded_version) ;;
  2) version=$2 ;;
  *) usage ;;
  esac
  ;;
v*)
  [ $# -eq 1 ] || usage
  version=$1
  ;;
*) usage ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Download outside callsim's module so its go.mod plays no part in which
# source we get.
info=$(cd "$tmp" && GOFLAGS= go mod download -json "$module@$version") || {
  echo "go mod download $module@$version failed:" >&2
  echo "$info" >&2
  exit 1
}
src=$(echo "$info" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
if [ -z "$src" ] || [ ! -f "$src/go.mod" ]; then
  echo "go mod download $module@$version gave no source directory" >&2
  exit 1
fi

apply_patch() { # dir
  patch -s -p1 -d "$1" --no-backup-if-mismatch <"$patchfile"
}

# The mechanical step before the patch: the protobuf descriptors get names
# of callsim's own, so that a program linking this copy and upstream does
# not panic at start-up on a registration conflict.
rename_protos() { # dir
  (cd "$root" && go run ./internal/phonenumbers/protorename "$1")
}

if [ "$mode" = test ]; then
  # All of upstream (tests, testdata and go.mod with its test dependencies),
  # patched, as a module of its own.
  cp -R "$src" "$tmp/t"
  chmod -R u+w "$tmp/t"
  rename_protos "$tmp/t"
  apply_patch "$tmp/t"
  (cd "$tmp/t" && GOFLAGS=-mod=mod go test -race -count=1 ./)
  exit
fi

# The part of upstream callsim keeps: the library's non-test Go files, the
# data it embeds and its licence. Not go.mod (this is a package of callsim's
# module), cmd/, docs/, testdata/ or the tests (they need testify).
mkdir "$tmp/a"
for f in "$src"/*.go; do
  case $f in *_test.go) ;; *) cp "$f" "$tmp/a/" ;; esac
done
cp -R "$src/data" "$tmp/a/data"
cp "$src/LICENSE" "$tmp/a/"
chmod -R u+w "$tmp/a"
rename_protos "$tmp/a"
# The package moves to github.com/callsim/callsim/internal/phonenumbers
# unchanged: upstream's library files import no package of their own module.
# If a release starts to, the import paths need rewriting here.
if grep -l "\"$module[\"/]" "$tmp/a"/*.go >&2; then
  echo "these files of $module $version import $module itself: rewrite the import paths in $0" >&2
  exit 1
fi

if [ "$mode" = diff ]; then
  cp -R "$here" "$tmp/b"
  for f in $own_files; do rm -rf "${tmp:?}/b/$f"; done
  # Plain headers (no timestamps) so the patch only changes when the code does.
  (cd "$tmp" && diff -ruN a b || [ $? -eq 1 ]) |
    sed -E 's/^((---|\+\+\+) [^	]*)	.*$/\1/' >"$patchfile"
  echo "wrote $patchfile"
  exit 0
fi

if ! apply_patch "$tmp/a"; then
  if [ "$mode" = check ]; then
    echo "callsim.patch does not apply to $module $version" >&2
    exit 1
  fi
  trap - EXIT
  echo "callsim.patch does not apply cleanly to $version: internal/phonenumbers" >&2
  echo "is unchanged; the patched copy with its .rej files is in $tmp/a" >&2
  exit 1
fi
for f in $own_files; do
  if [ -e "$here/$f" ]; then cp -R "$here/$f" "$tmp/a/$f"; fi
done

if [ "$mode" = check ]; then
  if ! diff -r "$tmp/a" "$here" >"$tmp/diff"; then
    cat "$tmp/diff"
    echo "internal/phonenumbers differs from $module $version plus callsim.patch (above: < expected, > the copy)." >&2
    echo "Record a deliberate change with internal/phonenumbers/update.sh --diff." >&2
    exit 1
  fi
  echo "internal/phonenumbers is $module $version plus callsim.patch"
  exit 0
fi

echo "$module $version" >"$tmp/a/UPSTREAM"
rm -rf "$here"
mv "$tmp/a" "$here"
echo "internal/phonenumbers is now $module $version with callsim.patch applied"
