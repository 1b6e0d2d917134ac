#!/usr/bin/env python3
"""The arithmetic of bench/run.sh: reads what it measured, prints the table
and writes docs/benchmarks.md.

    bench/analyze.py fixtures SANDBOX_STDOUT   print `export WAPZI_...=...` lines
    bench/analyze.py report OUT [DOC]          print the table; write DOC if given

OUT holds one folder per measurement (see bench/run.sh):

    latency-<L>/   hyperfine.json, time.txt, stats.json, reports/<run-id>/report.json
    gen-<N>/       hyperfine.json, time.txt, stats.json, reports/...
    startup/       hyperfine.json
    huge-body/     time.txt, time-sandbox.txt
    machine.txt, others-before.txt, others-after.txt, commands.txt

Times on both sides are put on the Unix epoch: the sandbox writes its
completions as epoch milliseconds (`sandbox --stats-file`), and a poll's
`at_ms` counts from the run's `started_at` (RFC 3339, to the millisecond, so
a lag is known to within 1 ms).
"""

import json
import re
import statistics
import sys
from datetime import datetime
from pathlib import Path

TERMINAL = {"completed", "failed", "superseded"}
# Ended by the server's latency; `superseded` is ended by the harness's own
# newer execute, so its wait is the harness's time, not the server's.
BY_LATENCY = {"completed", "failed"}


# ---------------------------------------------------------------- fixtures


def fixtures(sandbox_stdout: str) -> str:
    """`export` lines for every fixture `Fixtures::describe` prints."""
    text = Path(sandbox_stdout).read_text()
    lines = text.splitlines()

    def value(description: str) -> str:
        for line in lines:
            parts = line.split(None, 1)
            if len(parts) == 2 and parts[1].startswith(description):
                return parts[0]
        raise SystemExit(f"sandbox output has no line `{description}`")

    url = re.search(r"Wapzi sandbox at (\S+)", text)
    marker = re.search(r"An execution whose message contains (.+) ends `failed`", text)
    if not url or not marker:
        raise SystemExit("sandbox output has no URL or fail marker")
    exports = {
        "WAPZI_BASE_URL": url.group(1),
        "WAPZI_API_KEY": value("primary account, current key"),
        "WAPZI_PREVIOUS_API_KEY": value("primary account, previous key"),
        "WAPZI_INACTIVE_API_KEY": value("inactive account"),
        "WAPZI_OTHER_API_KEY": value("other account, active"),
        "WAPZI_ENTRY_POINT_ID": value("primary account, agent available"),
        "WAPZI_NO_ATTENDANTS_ENTRY_POINT_ID": value("primary account, 400 Entry point has no attendants"),
        "WAPZI_UNAVAILABLE_ENTRY_POINT_ID": value("primary account, 400 Entry point has no available"),
        "WAPZI_INACTIVE_ENTRY_POINT_ID": value("primary account, inactive"),
        "WAPZI_OTHER_ENTRY_POINT_ID": value("other account (400"),
        "WAPZI_FAILING_MESSAGE": marker.group(1),
    }
    return "\n".join(f"export {k}='{v}'" for k, v in exports.items())


# ---------------------------------------------------------------- reading


def load_json(path: Path):
    return json.loads(path.read_text())


def epoch_ms(rfc3339: str) -> float:
    return datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp() * 1000.0


def reports(folder: Path) -> list:
    found = sorted((folder / "reports").glob("*/report.json"))
    return [load_json(p) for p in found if p.parent.name != "latest"]


def time_txt(path: Path) -> dict:
    """`/usr/bin/time -f '%e %U %S %M'` output (the last line; the one
    before may say the command exited non-zero)."""
    last = path.read_text().strip().splitlines()[-1].split()
    return {"wall": float(last[0]), "user": float(last[1]), "sys": float(last[2]), "rss_kb": int(last[3])}


def requires_of(files: list) -> dict:
    """`id -> [required ids]`, from the check files' `id:` and flow-style
    `requires: [a, b]` lines (the shipped and generated checks use both)."""
    graph = {}
    for name in files:
        text = Path(name).read_text() if Path(name).exists() else ""
        ident = re.search(r"^id:\s*(\S+)", text, re.M)
        req = re.search(r"^requires:\s*\[(.*)\]", text, re.M)
        if ident:
            graph[ident.group(1)] = [r.strip() for r in req.group(1).split(",")] if req else []
    return graph


# ---------------------------------------------------------------- one run


def polled_executions(check: dict, start: float) -> dict:
    """`execution id -> {polls, seen_ms, at}` for each execution `check`
    polled; `seen_ms` (epoch) is the end of the first poll that saw it
    terminal, `at` the end of each poll (epoch)."""
    seen = {}
    for record in check.get("polls", []):
        exec_id = record["path"].rsplit("/", 1)[-1]
        entry = seen.setdefault(exec_id, {"polls": 0, "seen_ms": None, "at": []})
        entry["polls"] += record["polls"]
        for obs in record["observations"]:
            entry["at"].append(start + obs["at_ms"])
            if obs.get("value") in TERMINAL and entry["seen_ms"] is None:
                entry["seen_ms"] = start + obs["at_ms"]
    return seen


def union_length(intervals: list) -> float:
    total, end = 0.0, None
    for lo, hi in sorted(intervals):
        if end is None or lo > end:
            total += hi - lo
            end = hi
        elif hi > end:
            total += hi - end
            end = hi
    return total


def analyse_run(report: dict, completions: dict) -> dict:
    """Critical path, lags, polls and exchanges of one run."""
    start = epoch_ms(report["started_at"])
    graph = requires_of(report["checks_digest"]["files"])
    spans, lags, polls, superseded_lags = {}, [], [], []
    # One entry per execution, whichever checks polled it: a check may poll
    # again an execution its prerequisite already saw end.
    executions = {}
    exchanges = 0
    for check in report["checks"]:
        # An exchange judged again by another check (`from`) is reused, not sent.
        exchanges += sum(1 for e in check["exchanges"] if e.get("reused_from") is None)
        intervals = []
        for exec_id, seen in polled_executions(check, start).items():
            done = completions.get(exec_id)
            if done is None:
                continue
            entry = executions.setdefault(exec_id, {"seen": [], "done": done})
            entry["seen"].append(seen)
            if done["status"] in BY_LATENCY:
                intervals.append((done["created_at_ms"], done["completed_at_ms"]))
        spans[check["id"]] = intervals
    for entry in executions.values():
        done = entry["done"]
        seen_ms = min((s["seen_ms"] for s in entry["seen"] if s["seen_ms"] is not None), default=None)
        if done["status"] in BY_LATENCY:
            # The polls that waited for it: up to the first that showed it
            # ended, whichever check sent them.
            polls.append(sum(1 for s in entry["seen"] for at in s["at"] if seen_ms is None or at <= seen_ms))
            if seen_ms is not None:
                lags.append(seen_ms - done["completed_at_ms"])
        elif seen_ms is not None:
            superseded_lags.append(seen_ms - done["completed_at_ms"])

    chain = {}

    def longest(ident: str, depth: int = 0) -> list:
        """The spans waited on along the longest chain of prerequisites
        ending at `ident`: an execution waited on by two checks of one
        chain (latest-wins' newer execution, read again by
        conversation::other-account) is one wait, not two."""
        if ident not in chain:
            own = spans.get(ident, [])
            options = [own + longest(r, depth + 1) for r in graph.get(ident, []) if r in spans and depth < 64]
            chain[ident] = max(options, key=union_length, default=own)
        return chain[ident]

    critical = max((union_length(longest(i)) for i in spans), default=0.0)
    return {
        "critical_ms": critical,
        "lags": lags,
        "superseded_lags": superseded_lags,
        "polls": polls,
        "exchanges": exchanges,
        "duration_ms": report["duration_ms"],
        "concurrency": max_overlap(report["checks"]),
        "checks": len(report["checks"]),
    }


def max_overlap(checks: list) -> int:
    """The most checks running at one moment (their started/duration spans)."""
    events = []
    for c in checks:
        events.append((c["started_ms"], 1))
        events.append((c["started_ms"] + c["duration_ms"], -1))
    running = best = 0
    for _, step in sorted(events, key=lambda e: (e[0], e[1])):
        running += step
        best = max(best, running)
    return best


# ---------------------------------------------------------------- one folder


def expected_exit(result: dict, allowed: set, what: str) -> dict:
    """`result`, after checking that every run of it exited with a code in
    `allowed`: hyperfine was told to accept a non-zero code (`-i`, for the
    INCOMPLETE of filtered and generated runs), so a crash, a report that
    could not be written or a leak would otherwise pass unseen."""
    codes = set(result.get("exit_codes") or [])
    if not codes <= allowed:
        raise SystemExit(f"{what}: exit codes {sorted(codes)}, expected only {sorted(allowed)}")
    return result


def allowed_exits(folder: Path) -> set:
    """The default checklist ends READY (0); generated suites INCOMPLETE (6)."""
    return {6} if folder.name.startswith("gen-") else {0}


def hyperfine_result(folder: Path, index: int = 0) -> dict:
    result = load_json(folder / "hyperfine.json")["results"][index]
    return expected_exit(result, allowed_exits(folder), str(folder))


def analyse_folder(folder: Path) -> dict:
    stats = load_json(folder / "stats.json")
    completions = {c["execution_id"]: c for c in stats["completions"]}
    runs = [analyse_run(r, completions) for r in reports(folder)]
    hf = hyperfine_result(folder)
    cpu_s = hf["user"] + hf["system"]
    exchanges = statistics.mean(r["exchanges"] for r in runs)
    lags = [lag for r in runs for lag in r["lags"]]
    sup = [lag for r in runs for lag in r["superseded_lags"]]
    polls = [p for r in runs for p in r["polls"]]
    critical = statistics.mean(r["critical_ms"] for r in runs)
    times = hf["times"]
    out = {
        "runs": len(times),
        "reports": len(runs),
        "wall_ms": hf["mean"] * 1000,
        "wall_sd_ms": hf["stddev"] * 1000 if hf.get("stddev") is not None else 0.0,
        "wall_max_ms": max(times) * 1000,
        "critical_ms": critical,
        "ratio": hf["mean"] * 1000 / critical if critical > 0 else None,
        "ratio_max": max(times) * 1000 / critical if critical > 0 else None,
        "lag_median_ms": statistics.median(lags) if lags else None,
        "lag_max_ms": max(lags) if lags else None,
        "lag_count": len(lags),
        "superseded_lag_max_ms": max(sup) if sup else None,
        "polls_mean": statistics.mean(polls) if polls else None,
        "polls_max": max(polls) if polls else None,
        "exchanges": exchanges,
        "cpu_ms": cpu_s * 1000,
        "cpu_per_exchange_ms": cpu_s * 1000 / exchanges if exchanges else None,
        "rss_kb": time_txt(folder / "time.txt")["rss_kb"],
        "concurrency": max(r["concurrency"] for r in runs),
        "checks": runs[0]["checks"] if runs else 0,
        "requests": stats["requests"],
    }
    no_reports = folder / "hyperfine-no-reports.json"
    if no_reports.exists():
        nr = expected_exit(load_json(no_reports)["results"][0], allowed_exits(folder), str(no_reports))
        out["wall_no_reports_ms"] = nr["mean"] * 1000
        out["cpu_no_reports_ms"] = (nr["user"] + nr["system"]) * 1000
    return out


# ---------------------------------------------------------------- table


def fmt(value, digits=1, unit=""):
    if value is None or value is False:
        return "n/a"
    if isinstance(value, int):
        return f"{value}{unit}"
    return f"{value:.{digits}f}{unit}"


def latency_label(folder: Path) -> str:
    return folder.name.removeprefix("latency-")


def latency_ms(label: str) -> float:
    match = re.fullmatch(r"(\d+)(ms|s)", label)
    if not match:
        return 0.0
    return float(match.group(1)) * (1000.0 if match.group(2) == "s" else 1.0)


def verdict(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def build(out: Path) -> dict:
    latencies = sorted(out.glob("latency-*"), key=lambda p: latency_ms(latency_label(p)))
    gens = sorted(out.glob("gen-*"), key=lambda p: int(p.name.removeprefix("gen-")))
    data = {
        "latencies": [(latency_label(p), analyse_folder(p)) for p in latencies],
        "gens": [(int(p.name.removeprefix("gen-")), analyse_folder(p)) for p in gens],
        "startup": [
            # --version and validate end 0; one filtered check, INCOMPLETE (6).
            expected_exit(r, {0} if i < 2 else {6}, f"start-up command {i + 1}")
            for i, r in enumerate(load_json(out / "startup" / "hyperfine.json")["results"])
        ],
        "huge": time_txt(out / "huge-body" / "time.txt"),
        "huge_sandbox": time_txt(out / "huge-body" / "time-sandbox.txt"),
    }
    return data


def latency_table(data: dict) -> str:
    rows = [
        "| L | runs | wall (mean ± sd) | critical path | wall / critical (mean, worst) | lag median | lag max | polls / execution (mean, max) | exchanges / run | CPU / run | CPU / exchange | peak RSS |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, m in data["latencies"]:
        ratio = "n/a" if m["ratio"] is None else f"{m['ratio']:.3f}, {m['ratio_max']:.3f}"
        rows.append(
            f"| {label} | {m['runs']} | {fmt(m['wall_ms'])} ± {fmt(m['wall_sd_ms'])} ms | {fmt(m['critical_ms'])} ms "
            f"| {ratio} | {fmt(m['lag_median_ms'])} ms | {fmt(m['lag_max_ms'])} ms "
            f"| {fmt(m['polls_mean'])}, {fmt(m['polls_max'])} | {fmt(m['exchanges'], 0)} | {fmt(m['cpu_ms'])} ms "
            f"| {fmt(m['cpu_per_exchange_ms'], 3)} ms | {fmt(m['rss_kb'] / 1024)} MB |"
        )
    return "\n".join(rows)


def gen_table(data: dict) -> str:
    rows = [
        "| checks | runs | wall (mean ± sd) | wall / check | wall, no reports | CPU / run | CPU, no reports | CPU / exchange | exchanges / run | most checks at once | peak RSS |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, m in data["gens"]:
        rows.append(
            f"| {n} | {m['runs']} | {fmt(m['wall_ms'])} ± {fmt(m['wall_sd_ms'])} ms | {fmt(m['wall_ms'] / n, 3)} ms "
            f"| {fmt(m.get('wall_no_reports_ms'))} ms "
            f"| {fmt(m['cpu_ms'])} ms | {fmt(m.get('cpu_no_reports_ms'))} ms | {fmt(m['cpu_per_exchange_ms'], 3)} ms "
            f"| {fmt(m['exchanges'], 0)} | {m['concurrency']} | {fmt(m['rss_kb'] / 1024)} MB |"
        )
    return "\n".join(rows)


def marginal_line(data: dict) -> str:
    """CPU per added exchange: the slope between the smallest and largest
    generated suite, with and without reports (fixed costs cancel out)."""
    gens = data["gens"]
    if len(gens) < 2:
        return "n/a"
    (_, a), (_, b) = gens[0], gens[-1]
    extra = b["exchanges"] - a["exchanges"]
    with_reports = (b["cpu_ms"] - a["cpu_ms"]) / extra
    text = f"{with_reports:.3f} ms per added exchange with reports"
    if "cpu_no_reports_ms" in a and "cpu_no_reports_ms" in b:
        without = (b["cpu_no_reports_ms"] - a["cpu_no_reports_ms"]) / extra
        text += f", {without:.3f} ms without"
    return text


def startup_table(data: dict) -> str:
    rows = ["| command | mean ± sd | min | user + sys |", "|---|---|---|---|"]
    for r in data["startup"]:
        command = re.sub(r"^\S*/wapzi-homolog", "wapzi-homolog", r["command"])
        rows.append(
            f"| `{command}` | {fmt(r['mean'] * 1000)} ± {fmt(r['stddev'] * 1000)} ms "
            f"| {fmt(r['min'] * 1000)} ms | {fmt((r['user'] + r['system']) * 1000)} ms |"
        )
    return "\n".join(rows)


def targets(data: dict) -> list:
    """`(target, measured, ok)` for each target of the issue."""
    found = []
    lat = dict(data["latencies"])
    for label in ("300ms", "2s", "2000ms"):
        if label in lat and lat[label]["ratio"] is not None:
            m = lat[label]
            found.append((f"wall / critical path <= 1.10 at L = {label}", f"{m['ratio']:.3f} (worst run {m['ratio_max']:.3f})", m["ratio"] <= 1.10))
    for label, m in data["latencies"]:
        if m["lag_max_ms"] is None:
            continue
        bound = max(50.0, 0.1 * latency_ms(label))
        found.append((f"lag <= {bound:.0f} ms at L = {label}", f"max {m['lag_max_ms']:.1f} ms, median {m['lag_median_ms']:.1f} ms", m["lag_max_ms"] <= bound))
    for label in ("2s", "2000ms"):
        if label in lat and lat[label]["polls_max"] is not None:
            m = lat[label]
            found.append((f"<= 25 polls per execution at L = {label}", f"max {m['polls_max']}, mean {m['polls_mean']:.1f}", m["polls_max"] <= 25))
    worst_cpu = max((m["cpu_per_exchange_ms"] for _, m in data["latencies"]), default=0.0)
    found.append(("harness CPU <= 0.3 ms per HTTP exchange (default checklist, worst L)", f"{worst_cpu:.3f} ms", worst_cpu <= 0.3))
    worst_rss = max((m["rss_kb"] for _, m in data["latencies"]), default=0) / 1024
    found.append(("peak RSS <= 30 MB, default checklist", f"{worst_rss:.1f} MB", worst_rss <= 30))
    gens = dict(data["gens"])
    if 1000 in gens:
        m = gens[1000]
        found.append(("1,000 independent checks at L = 0 in < 3 s", f"{m['wall_ms'] / 1000:.2f} s (most at once: {m['concurrency']})", m["wall_ms"] < 3000))
    startup = [r for r in data["startup"] if "--exact" in r["command"]]
    if startup:
        found.append(("start-up well under 50 ms (`run --sandbox --exact key::missing`)", f"{startup[0]['mean'] * 1000:.1f} ms", startup[0]["mean"] < 0.05))
    huge = data["huge"]["rss_kb"] / 1024
    found.append(("`huge-body` (300 MB bodies) peak RSS < 50 MB", f"{huge:.1f} MB", huge < 50))
    return found


def targets_table(data: dict) -> str:
    rows = ["| target | measured | verdict |", "|---|---|---|"]
    rows += [f"| {t} | {m} | {verdict(ok)} |" for t, m, ok in targets(data)]
    return "\n".join(rows)


def huge_line(data: dict) -> str:
    h, s = data["huge"], data["huge_sandbox"]
    return (
        f"| harness alone (sandbox in its own process) | {fmt(h['rss_kb'] / 1024)} MB | {fmt(h['wall'], 2)} s | {fmt((h['user'] + h['sys']) * 1000, 0)} ms |\n"
        f"| `run --sandbox` (harness and sandbox in one process) | {fmt(s['rss_kb'] / 1024)} MB | {fmt(s['wall'], 2)} s | {fmt((s['user'] + s['sys']) * 1000, 0)} ms |"
    )


def after_fills(data: dict) -> dict:
    """This run's values for the template's before/after table."""
    lat, gens = dict(data["latencies"]), dict(data["gens"])
    at300, at0, big = lat.get("300ms"), lat.get("0ms"), gens.get(1000)
    return {
        "AFTER_RATIO_300": fmt(at300 and at300["ratio"], 3),
        "AFTER_LAG_300": fmt(at300 and at300["lag_median_ms"], 1, " ms"),
        "AFTER_CPU_0": fmt(at0 and at0["cpu_per_exchange_ms"], 3, " ms"),
        "AFTER_CPU_300": fmt(at300 and at300["cpu_per_exchange_ms"], 3, " ms"),
        "AFTER_CPU_2000": fmt(lat.get("2000ms") and lat["2000ms"]["cpu_per_exchange_ms"], 3, " ms"),
        "AFTER_1000": "n/a" if big is None else f"{big['wall_ms'] / 1000:.2f} s ({(big['wall_ms'] - big.get('wall_no_reports_ms', 0)) / 1000:.2f} s of it writing reports)",
    }


def report(out: Path, doc: Path | None) -> None:
    data = build(out)
    print("\nDefault checklist against `wapzi-homolog sandbox --latency L` (its own process):\n")
    print(latency_table(data))
    print("\nGenerated suites of independent checks at L = 0:\n")
    print(gen_table(data))
    print("\nStart-up:\n")
    print(startup_table(data))
    print("\n`huge-body` fault:\n")
    print("| how | peak RSS | wall | user + sys |\n|---|---|---|---|")
    print(huge_line(data))
    print(f"\nMarginal harness CPU (slope of the generated suites): {marginal_line(data)}")
    print("\nTargets:\n")
    print(targets_table(data))
    if doc is None:
        return
    template = (Path(__file__).parent / "benchmarks.template.md").read_text()
    fills = {
        "MACHINE": (out / "machine.txt").read_text().strip(),
        "OTHERS_BEFORE": (out / "others-before.txt").read_text().strip(),
        "OTHERS_AFTER": (out / "others-after.txt").read_text().strip(),
        "COMMANDS": (out / "commands.txt").read_text().strip(),
        "LATENCY_TABLE": latency_table(data),
        "GEN_TABLE": gen_table(data),
        "STARTUP_TABLE": startup_table(data),
        "HUGE_TABLE": "| how | peak RSS | wall | user + sys |\n|---|---|---|---|\n" + huge_line(data),
        "TARGETS_TABLE": targets_table(data),
        "MARGINAL": marginal_line(data),
        **after_fills(data),
        "DATE": (out / "date.txt").read_text().strip(),
    }
    for key, value in fills.items():
        template = template.replace("{{" + key + "}}", value)
    doc.write_text(template)
    print(f"\nwrote {doc}")


def main() -> None:
    if len(sys.argv) >= 3 and sys.argv[1] == "fixtures":
        print(fixtures(sys.argv[2]))
    elif len(sys.argv) >= 3 and sys.argv[1] == "report":
        report(Path(sys.argv[2]), Path(sys.argv[3]) if len(sys.argv) > 3 else None)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
