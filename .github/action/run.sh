#!/usr/bin/env bash
# Runs `wapzi-homolog run` for action.yml. Inputs arrive as environment
# variables, never interpolated into the script (an input holding `$(...)`
# stays text); the key stays in WAPZI_API_KEY, never on the command line.
#
#   WAPZI_HOMOLOG_BASE_URL  becomes WAPZI_BASE_URL when not empty
#   WAPZI_HOMOLOG_CHECKS    space-separated, each passed as --checks
#   WAPZI_HOMOLOG_ARGS      space-separated, passed as they are
set -euo pipefail

if [[ -n "${WAPZI_HOMOLOG_BASE_URL:-}" ]]; then
  export WAPZI_BASE_URL="$WAPZI_HOMOLOG_BASE_URL"
fi
args=(run --reports reports)
read -r -a checks <<<"${WAPZI_HOMOLOG_CHECKS:-}"
# The ${a[@]+...} forms keep an empty array legal under `set -u` in bash 3.2 (macOS).
for path in ${checks[@]+"${checks[@]}"}; do
  args+=(--checks "$path")
done
read -r -a extra <<<"${WAPZI_HOMOLOG_ARGS:-}"
args+=(${extra[@]+"${extra[@]}"})
exec wapzi-homolog "${args[@]}"
