#!/usr/bin/env bash
# Runs `wapzi-homolog run` for action.yml. Inputs arrive as environment
# variables, never interpolated into the script (an input holding `$(...)`
# stays text); the key stays in WAPZI_API_KEY, never on the command line.
#
#   WAPZI_HOMOLOG_BASE_URL  becomes WAPZI_BASE_URL when not empty
#   WAPZI_HOMOLOG_CHECKS    space-separated, each passed as --checks
#   WAPZI_HOMOLOG_ARGS      space-separated, passed as they are
#
# Writes the action's outputs to $GITHUB_OUTPUT (when set) whatever the
# outcome, then exits with wapzi-homolog's exit code:
#
#   verdict=NOT READY
#   exit-code=1
#   reports=reports/latest
set -euo pipefail

if [[ -n "${WAPZI_HOMOLOG_BASE_URL:-}" ]]; then
  export WAPZI_BASE_URL="$WAPZI_HOMOLOG_BASE_URL"
fi
reports=reports
args=(run --reports "$reports")
read -r -a checks <<<"${WAPZI_HOMOLOG_CHECKS:-}"
# The ${a[@]+...} forms keep an empty array legal under `set -u` in bash 3.2 (macOS).
for path in ${checks[@]+"${checks[@]}"}; do
  args+=(--checks "$path")
done
read -r -a extra <<<"${WAPZI_HOMOLOG_ARGS:-}"
args+=(${extra[@]+"${extra[@]}"})

code=0
wapzi-homolog "${args[@]}" || code=$?

# The exit codes README.md documents, as the verdicts they stand for.
case "$code" in
  0) verdict="READY" ;;
  1) verdict="NOT READY" ;;
  2) verdict="SETUP ERROR" ;;
  3) verdict="REPORTS NOT WRITTEN" ;;
  4) verdict="SECRET LEAK" ;;
  5) verdict="UNREACHABLE" ;;
  6) verdict="INCOMPLETE" ;;
  130 | 143) verdict="INTERRUPTED" ;;
  *) verdict="ERROR" ;;
esac
written=""
if [[ -f "$reports/latest/report.json" ]]; then
  written="$reports/latest"
fi
if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
  {
    echo "verdict=$verdict"
    echo "exit-code=$code"
    echo "reports=$written"
  } >>"$GITHUB_OUTPUT"
fi
exit "$code"
