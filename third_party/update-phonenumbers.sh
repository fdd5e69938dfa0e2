#!/usr/bin/env bash
# Re-vendors github.com/nyaruka/phonenumbers into third_party/phonenumbers
# with callsim's patch (third_party/phonenumbers.patch) applied on top.
# See third_party/phonenumbers/CALLSIM.md.
#
#   third_party/update-phonenumbers.sh v1.8.1
#       Replace third_party/phonenumbers with upstream v1.8.1 plus the patch.
#   third_party/update-phonenumbers.sh --diff v1.8.1
#       Rewrite the patch from the current third_party/phonenumbers, taken
#       against upstream v1.8.1 (after editing the copy by hand).
#   third_party/update-phonenumbers.sh --test v1.8.1
#       Run upstream v1.8.1's own tests (with -race) on a scratch copy of
#       upstream with the patch applied.
#
# Only the Go module proxy (through the go command) is used; the upstream
# source comes from the module cache.
set -euo pipefail

mode=apply
case "${1:-}" in
--diff | --test)
  mode=${1#--}
  shift
  ;;
esac
if [ $# -ne 1 ]; then
  echo "usage: $0 [--diff | --test] vX.Y.Z" >&2
  exit 2
fi
version=$1
module=github.com/nyaruka/phonenumbers

here=$(cd "$(dirname "$0")" && pwd)
dest=$here/phonenumbers
patchfile=$here/phonenumbers.patch

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Download outside any module, so callsim's go.mod (and its replace) plays no
# part in which source we get.
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

if [ "$mode" = test ]; then
  # All of upstream (tests, testdata and go.mod with their dependencies),
  # patched; the patch's go.mod change drops those dependencies, so upstream's
  # go.mod is put back.
  cp -R "$src" "$tmp/t"
  chmod -R u+w "$tmp/t"
  patch -s -p1 -d "$tmp/t" --no-backup-if-mismatch <"$patchfile"
  cp "$src/go.mod" "$tmp/t/go.mod"
  (cd "$tmp/t" && GOFLAGS=-mod=mod go test -race -count=1 ./)
  exit
fi

# The part of upstream callsim keeps: the library's non-test Go files, the
# data it embeds, its licence and go.mod. Not cmd/, docs/, testdata/ or tests.
mkdir "$tmp/a"
for f in "$src"/*.go; do
  case $f in *_test.go) ;; *) cp "$f" "$tmp/a/" ;; esac
done
cp -R "$src/data" "$tmp/a/data"
cp "$src/LICENSE" "$src/go.mod" "$tmp/a/"
chmod -R u+w "$tmp/a"

if [ "$mode" = diff ]; then
  cp -R "$dest" "$tmp/b"
  rm -f "$tmp/b/CALLSIM.md" # callsim's notes, kept as they are, not patched
  # Plain headers (no timestamps) so the patch only changes when the code does.
  (cd "$tmp" && diff -ruN a b || [ $? -eq 1 ]) |
    sed -E 's/^((---|\+\+\+) [^	]*)	.*$/\1/' >"$patchfile"
  echo "wrote $patchfile"
  exit 0
fi

if ! patch -s -p1 -d "$tmp/a" --no-backup-if-mismatch <"$patchfile"; then
  trap - EXIT
  echo "phonenumbers.patch does not apply cleanly to $version: third_party/phonenumbers" >&2
  echo "is unchanged; the patched copy with its .rej files is in $tmp/a" >&2
  exit 1
fi
if [ -f "$dest/CALLSIM.md" ]; then
  cp "$dest/CALLSIM.md" "$tmp/a/"
fi
rm -rf "$dest"
mv "$tmp/a" "$dest"
echo "third_party/phonenumbers is now $module $version with phonenumbers.patch applied"
