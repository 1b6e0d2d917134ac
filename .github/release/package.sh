#!/usr/bin/env bash
# Packages a built binary as a release asset and its checksum:
#   package.sh TARGET BINARY OUT_DIR VERSION
# writes OUT_DIR/wapzi-homolog-vVERSION-TARGET.tar.gz (.zip for Windows),
# holding wapzi-homolog-vVERSION-TARGET/{wapzi-homolog[.exe],README.md,
# LICENSE-MIT,LICENSE-APACHE},
# and beside it the archive's .sha256 (`sha256sum` format). The names are
# those .github/action/install.sh and [package.metadata.binstall] expect.
set -euo pipefail

[[ $# -eq 4 ]] || { echo "usage: package.sh TARGET BINARY OUT_DIR VERSION" >&2; exit 2; }
target="$1" binary="$2" out="$3" version="${4#v}"
name="wapzi-homolog-v$version-$target"
root="$(cd "$(dirname "$0")/../.." && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage/$name" "$out"
case "$target" in
  *windows*) exe="wapzi-homolog.exe" archive="$name.zip" ;;
  *) exe="wapzi-homolog" archive="$name.tar.gz" ;;
esac
cp "$binary" "$stage/$name/$exe"
chmod +x "$stage/$name/$exe"
for file in README.md LICENSE-MIT LICENSE-APACHE; do
  cp "$root/$file" "$stage/$name/$file"
done
out="$(cd "$out" && pwd)"
case "$archive" in
  *.zip) (cd "$stage" && 7z a -tzip -bd "$out/$archive" "$name" >/dev/null) ;;
  *) tar -czf "$out/$archive" -C "$stage" "$name" ;;
esac
if command -v sha256sum >/dev/null 2>&1; then
  (cd "$out" && sha256sum "$archive" >"$archive.sha256")
else
  (cd "$out" && shasum -a 256 "$archive" >"$archive.sha256")
fi
echo "$out/$archive"
