#!/usr/bin/env bash
# Installs a released wapzi-homolog binary for this machine, after checking
# the archive against its published SHA-256 checksum. Used by action.yml;
# runs anywhere bash, curl and tar (unzip on Windows) are.
#
#   WAPZI_HOMOLOG_VERSION      the release, v0.1.0 or 0.1.0; empty: the version in
#                              $GITHUB_ACTION_PATH/Cargo.toml (the action's own files,
#                              so a tag of the action installs that release)
#   WAPZI_HOMOLOG_INSTALL_DIR  where the binary goes (default: $RUNNER_TEMP/wapzi-homolog,
#                              else ~/.local/bin); added to $GITHUB_PATH when set
#   WAPZI_HOMOLOG_TARGET       the Rust target triple (default: from uname)
#   WAPZI_HOMOLOG_RELEASE_URL  where releases are downloaded from (default: the
#                              GitHub releases of wapzi/wapzi-homolog); the asset of
#                              VERSION is at $WAPZI_HOMOLOG_RELEASE_URL/vVERSION/ASSET
#
# Exits non-zero, saying why, if the download fails, the checksum does not
# match or the archive holds no binary; nothing is installed then.
set -euo pipefail

die() {
  echo "install.sh: $*" >&2
  exit 1
}

# The action's own version: the first `version = "..."` of its Cargo.toml,
# [package]'s (release.yml refuses a tag that differs from it).
own_version() {
  local manifest="${GITHUB_ACTION_PATH:-}/Cargo.toml"
  [[ -n "${GITHUB_ACTION_PATH:-}" && -f "$manifest" ]] || return 0
  sed -n 's/^version = "\(.*\)"$/\1/p' "$manifest" | head -n 1
}

version="${WAPZI_HOMOLOG_VERSION:-}"
from="WAPZI_HOMOLOG_VERSION"
if [[ -z "$version" ]]; then
  version="$(own_version)"
  from="the action's Cargo.toml"
fi
version="${version#v}"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] ||
  die "no release version: $from gives '$version' (give the action's 'version' input, e.g. v0.1.0)"
base_url="${WAPZI_HOMOLOG_RELEASE_URL:-https://github.com/wapzi/wapzi-homolog/releases/download}"

detect_target() {
  local os arch
  os="$(uname -s)"
  arch="$(uname -m)"
  case "$arch" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) die "no release for the CPU $arch (x86_64 and aarch64 are built)" ;;
  esac
  case "$os" in
    Linux) echo "$arch-unknown-linux-musl" ;;
    Darwin) echo "$arch-apple-darwin" ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT)
      [[ "$arch" == x86_64 ]] || die "no Windows release for $arch"
      echo "x86_64-pc-windows-msvc"
      ;;
    *) die "no release for the system $os" ;;
  esac
}

target="${WAPZI_HOMOLOG_TARGET:-$(detect_target)}"
name="wapzi-homolog-v$version-$target"
case "$target" in
  *windows*) archive="$name.zip" exe="wapzi-homolog.exe" ;;
  *) archive="$name.tar.gz" exe="wapzi-homolog" ;;
esac

install_dir="${WAPZI_HOMOLOG_INSTALL_DIR:-}"
if [[ -z "$install_dir" ]]; then
  if [[ -n "${RUNNER_TEMP:-}" ]]; then
    install_dir="$RUNNER_TEMP/wapzi-homolog"
  else
    install_dir="$HOME/.local/bin"
  fi
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fetch() {
  # Bounded: a stalled server cannot hold the job.
  curl --fail --silent --show-error --location --retry 3 --connect-timeout 20 \
    --max-time 300 --output "$2" "$1" || die "cannot download $1${3:+ $3}"
}

url="$base_url/v$version/$archive"
echo "downloading $url"
fetch "$url" "$work/$archive" "(is $version released for $target? a branch or commit of the action may be ahead of its last release: give the 'version' input)"
fetch "$url.sha256" "$work/$archive.sha256"

expected="$(awk 'NR == 1 { print $1 }' "$work/$archive.sha256")"
[[ "$expected" =~ ^[0-9a-f]{64}$ ]] || die "$archive.sha256 holds no SHA-256 checksum"
if command -v sha256sum >/dev/null 2>&1; then
  actual="$(sha256sum "$work/$archive" | awk '{ print $1 }')"
else
  actual="$(shasum -a 256 "$work/$archive" | awk '{ print $1 }')"
fi
[[ "$actual" == "$expected" ]] ||
  die "checksum mismatch for $archive: expected $expected, got $actual; nothing was installed"

mkdir -p "$work/x"
case "$archive" in
  *.zip) unzip -q "$work/$archive" -d "$work/x" ;;
  *) tar -xzf "$work/$archive" -C "$work/x" ;;
esac
[[ -f "$work/x/$name/$exe" ]] || die "$archive holds no $name/$exe"

mkdir -p "$install_dir"
cp "$work/x/$name/$exe" "$install_dir/$exe"
chmod +x "$install_dir/$exe"
if [[ -n "${GITHUB_PATH:-}" ]]; then
  echo "$install_dir" >>"$GITHUB_PATH"
fi
echo "installed wapzi-homolog $version ($target) in $install_dir"
