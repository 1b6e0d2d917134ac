#!/usr/bin/env bash
# The performance benchmark of issue 6: how much a run adds to the target's
# own latency. Builds the release binary, starts `wapzi-homolog sandbox` as a
# separate process per measurement, runs the default checklist and generated
# suites against it with hyperfine and /usr/bin/time, then prints a table and
# writes docs/benchmarks.md (bench/analyze.py does the arithmetic).
#
#   bench/run.sh                 the whole benchmark (about 70 s after the build)
#   BENCH_QUICK=1 bench/run.sh   fewer repetitions, to try the script
#   BENCH_DOC=none bench/run.sh  print the table, leave docs/benchmarks.md alone
#
# Not run by CI (.ci/run). Needs hyperfine and GNU time (installed with
# apt-get when missing) and python3.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=${BENCH_OUT:-$(mktemp -d /tmp/wapzi-bench.XXXXXX)}
DOC=${BENCH_DOC:-docs/benchmarks.md}
QUICK=${BENCH_QUICK:-0}
# How long to wait for other cargo/rustc processes before measuring anyway.
WAIT_BUILDS=${BENCH_WAIT_BUILDS:-900}
LATENCIES=(0ms 300ms 330ms 2000ms)
SUITES=(250 500 1000)
if [ "$QUICK" = 1 ]; then REPS=3; REPS_SLOW=2; REPS_GEN=2; else REPS=10; REPS_SLOW=5; REPS_GEN=5; fi

log() { printf '[bench] %s\n' "$*" >&2; }

install_tools() {
    local missing=()
    command -v hyperfine >/dev/null || missing+=(hyperfine)
    [ -x /usr/bin/time ] || missing+=(time)
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]} with apt-get"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# Other builds on a 2-core machine skew every number: wait (bounded) for them.
# By the program a command line starts with: a bare `pgrep -f 'cargo|rustc'`
# also matches any process whose arguments merely mention ~/.cargo.
others() { pgrep -af '^(\S*/)?(cargo|rustc|rustdoc|clippy-driver|cargo-clippy)( |$)' || true; }
wait_for_builds() {
    local waited=0
    while [ -n "$(others)" ] && [ "$waited" -lt "$WAIT_BUILDS" ]; do
        [ $((waited % 60)) = 0 ] && log "waiting for other builds to finish: $(others | cut -c1-100 | head -3 | tr '\n' ';')"
        sleep 5
        waited=$((waited + 5))
    done
}

snapshot() {
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    local builds
    builds=$(others | cut -c1-160)
    echo "cargo/rustc processes: ${builds:-none}"
    echo "busiest processes over one second (top; %CPU of one core):"
    top -b -n 2 -d 1 -w 200 | awk '/^top -/ {n++} n == 2' | sed -n '8,12p' |
        awk '{printf "    %6s %%  %s\n", $9, $12}'
}

machine() {
    echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), nproc $(nproc)"
    echo "- memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
    echo "- kernel: $(uname -sr)"
    echo "- $(rustc --version), $(hyperfine --version), GNU time $(dpkg-query -W -f='${Version}' time 2>/dev/null || echo '?')"
    echo "- commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Cargo.toml Cargo.lock || echo ' (with uncommitted changes in src/)')"
}

SB_PID=
start_sandbox() { # DIR LATENCY [FAULT]
    local dir=$1 latency=$2 fault=${3:-}
    local args=(sandbox --port 0 --latency "$latency" --stats-file "$dir/stats.json")
    [ -n "$fault" ] && args+=(--fault "$fault")
    "$BIN" "${args[@]}" >"$dir/sandbox.out" 2>&1 &
    SB_PID=$!
    for _ in $(seq 100); do
        grep -q '^Press Ctrl-C' "$dir/sandbox.out" && break
        sleep 0.05
    done
    eval "$(python3 bench/analyze.py fixtures "$dir/sandbox.out")"
}

stop_sandbox() {
    kill -TERM "$SB_PID"
    wait "$SB_PID"
    SB_PID=
}
trap '[ -n "$SB_PID" ] && kill "$SB_PID" 2>/dev/null; true' EXIT

fixture_env() { env | grep '^WAPZI_' | grep -v -e KEY= | sed -e 's/^/#   /' -e 's/:[0-9]*$/:PORT/' | sort; }

timed() { # DIR COMMAND... : one more run under GNU time, for peak RSS
    local dir=$1
    shift
    /usr/bin/time -f '%e %U %S %M' -o "$dir/time.txt" "$@" >"$dir/time-run.out" 2>&1 || true
}

measure_latency() { # LATENCY
    local latency=$1 dir="$OUT/latency-$1" reps=$REPS
    [ "$latency" = 2000ms ] && reps=$REPS_SLOW
    mkdir -p "$dir"
    log "default checklist, sandbox latency $latency, $reps runs"
    start_sandbox "$dir" "$latency"
    hyperfine -N --style none --warmup 3 --runs "$reps" --export-json "$dir/hyperfine.json" \
        "$BIN run --reports $dir/reports -q" >"$dir/hyperfine.out"
    timed "$dir" "$BIN" run --reports "$dir/reports" -q
    stop_sandbox
}

measure_suite() { # N
    local n=$1 dir="$OUT/gen-$1"
    mkdir -p "$dir"
    python3 bench/gen_suite.py "$n" "$dir/checks"
    log "$n generated independent checks, sandbox latency 0, $REPS_GEN runs"
    start_sandbox "$dir" 0ms
    # Generated checks evidence no checklist item: every one passes and the
    # run ends INCOMPLETE (6), by design. Checked once here, so that
    # hyperfine may accept that code (-i) without hiding a failing check.
    local code=0
    "$BIN" run --checks "$dir/checks" --no-reports -q >"$dir/check-run.out" 2>&1 || code=$?
    if [ "$code" != 6 ] || ! grep -q "^INCOMPLETE: .* $n passed, 0 failed" "$dir/check-run.out"; then
        log "the generated suite did not pass whole (exit $code): $dir/check-run.out"
        tail -5 "$dir/check-run.out" >&2
        exit 1
    fi
    hyperfine -N -i --style none --warmup 1 --runs "$REPS_GEN" --export-json "$dir/hyperfine.json" \
        "$BIN run --checks $dir/checks --reports $dir/reports -q" >"$dir/hyperfine.out"
    hyperfine -N -i --style none --warmup 1 --runs "$REPS_GEN" --export-json "$dir/hyperfine-no-reports.json" \
        "$BIN run --checks $dir/checks --no-reports -q" >>"$dir/hyperfine.out"
    timed "$dir" "$BIN" run --checks "$dir/checks" --reports "$dir/reports" -q
    stop_sandbox
}

measure_startup() {
    local dir="$OUT/startup"
    mkdir -p "$dir"
    log "start-up"
    (
        unset "${!WAPZI_@}"
        # A filtered run ends INCOMPLETE (6) at best: checked once, then
        # accepted by hyperfine (-i).
        # `--version` and `validate` must succeed: -i would hide it.
        if ! { "$BIN" --version >/dev/null && "$BIN" validate checks >/dev/null; }; then
            log "--version or validate checks failed"
            exit 1
        fi
        local code=0
        "$BIN" run --sandbox --no-reports --exact key::missing -q >"$dir/check-run.out" 2>&1 || code=$?
        if [ "$code" != 6 ] || ! grep -q " 1 passed, 0 failed" "$dir/check-run.out"; then
            log "key::missing alone did not pass (exit $code): $dir/check-run.out"
            exit 1
        fi
        hyperfine -N -i --style none --warmup 3 --runs $((REPS * 3)) --export-json "$dir/hyperfine.json" \
            "$BIN --version" "$BIN validate checks" \
            "$BIN run --sandbox --no-reports --exact key::missing -q" >"$dir/hyperfine.out"
    )
}

measure_huge_body() {
    local dir="$OUT/huge-body"
    mkdir -p "$dir"
    log "huge-body fault (300 MiB bodies), polls bounded by --poll-timeout 5s"
    start_sandbox "$dir" 0ms huge-body
    /usr/bin/time -f '%e %U %S %M' -o "$dir/time.txt" \
        "$BIN" run --no-reports --poll-timeout 5s -q >"$dir/run.out" 2>&1 || true
    stop_sandbox
    (
        unset "${!WAPZI_@}"
        /usr/bin/time -f '%e %U %S %M' -o "$dir/time-sandbox.txt" \
            "$BIN" run --sandbox --fault huge-body --no-reports --poll-timeout 5s -q >"$dir/run-sandbox.out" 2>&1 || true
    )
}

commands() {
    cat <<EOF
\`\`\`sh
cargo build --release
B=target/release/wapzi-homolog
# one sandbox per measurement, on a free port; SIGTERM makes it write stats.json
\$B sandbox --port 0 --latency L --stats-file stats.json > sandbox.out &
# its fixtures, as bench/analyze.py exports them from sandbox.out:
$(fixture_env)
#   WAPZI_API_KEY, WAPZI_PREVIOUS_API_KEY, WAPZI_INACTIVE_API_KEY, WAPZI_OTHER_API_KEY: its keys
# default checklist, L in ${LATENCIES[*]} ($REPS runs; $REPS_SLOW at 2000ms; 3 warm-up runs each)
hyperfine -N --warmup 3 --runs $REPS --export-json hyperfine.json "\$B run --reports reports -q"
/usr/bin/time -f '%e %U %S %M' \$B run --reports reports -q          # peak RSS
kill -TERM %1                                                        # writes stats.json
# generated suites (bench/gen_suite.py N DIR), N in ${SUITES[*]}, sandbox at --latency 0ms
python3 bench/gen_suite.py N gen
hyperfine -N -i --warmup 1 --runs $REPS_GEN "\$B run --checks gen --reports reports -q"   # exit 6 (INCOMPLETE) by design
hyperfine -N -i --warmup 1 --runs $REPS_GEN "\$B run --checks gen --no-reports -q"
# start-up (no WAPZI_ variables set)
hyperfine -N -i --warmup 3 --runs $((REPS * 3)) "\$B --version" "\$B validate checks" "\$B run --sandbox --no-reports --exact key::missing -q"
# huge-body: against \`\$B sandbox --latency 0ms --fault huge-body\`, then in one process
/usr/bin/time -f '%e %U %S %M' \$B run --no-reports --poll-timeout 5s -q
/usr/bin/time -f '%e %U %S %M' \$B run --sandbox --fault huge-body --no-reports --poll-timeout 5s -q
# the arithmetic
python3 bench/analyze.py report OUT docs/benchmarks.md
\`\`\`
EOF
}

main() {
    install_tools
    mkdir -p "$OUT"
    log "results in $OUT"
    wait_for_builds
    cargo build --release --quiet
    # A copy, so that another build replacing target/release mid-run changes nothing.
    BIN="$OUT/wapzi-homolog"
    cp "${CARGO_TARGET_DIR:-target}/release/wapzi-homolog" "$BIN"
    wait_for_builds
    date -u '+%Y-%m-%d %H:%M UTC' >"$OUT/date.txt"
    machine >"$OUT/machine.txt"
    snapshot >"$OUT/others-before.txt"
    for latency in "${LATENCIES[@]}"; do measure_latency "$latency"; done
    for n in "${SUITES[@]}"; do measure_suite "$n"; done
    measure_startup
    measure_huge_body
    snapshot >"$OUT/others-after.txt"
    commands >"$OUT/commands.txt"
    if [ "$DOC" = none ]; then
        python3 bench/analyze.py report "$OUT"
    else
        python3 bench/analyze.py report "$OUT" "$DOC"
    fi
}

main "$@"
