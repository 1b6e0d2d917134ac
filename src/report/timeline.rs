//! The geometry of the HTML report's timeline chart, computed here so the
//! template only places numbers: one row per check, a bar per exchange at
//! its start and duration, a tick per poll observation, and a time axis.

use super::text::{format_ms, poll_runs, shown_polls, Tone};
use crate::result::{CheckResult, Exchange, ExchangeKind, Lane, LaneEvent, RunResult};

const WIDTH: f64 = 1200.0;
const LABEL_X: f64 = 22.0;
const PLOT_X: f64 = 270.0;
const PLOT_W: f64 = 900.0;
const AXIS_Y: f64 = 18.0;
const TOP: f64 = 28.0;
const ROW_H: f64 = 26.0;
const BOTTOM: f64 = 8.0;
const BAR_H: f64 = 10.0;
const MIN_BAR_W: f64 = 2.0;
const LABEL_CHARS: usize = 36;

/// The chart, in SVG user units.
#[derive(Debug)]
pub(crate) struct Timeline {
    pub width: f64,
    pub height: f64,
    pub axis_y: f64,
    pub grid_top: f64,
    pub grid_bottom: f64,
    pub row_h: f64,
    pub ticks: Vec<AxisTick>,
    pub rows: Vec<Row>,
}

/// A labelled time on the axis, with its grid line.
#[derive(Debug)]
pub(crate) struct AxisTick {
    pub x: f64,
    pub label: String,
}

/// One check's row.
#[derive(Debug)]
pub(crate) struct Row {
    pub y: f64,
    pub mid: f64,
    pub text_y: f64,
    pub label_x: f64,
    pub stripe: bool,
    pub label: String,
    pub title: String,
    /// The colour of the check's verdict.
    pub verdict: Tone,
    /// The check's own span, behind its bars.
    pub span: Rect,
    pub bars: Vec<Bar>,
    pub ticks: Vec<Tick>,
}

#[derive(Debug)]
pub(crate) struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// One exchange.
#[derive(Debug)]
pub(crate) struct Bar {
    pub rect: Rect,
    /// What the call was; its CSS class.
    pub kind: ExchangeKind,
    /// No response came back.
    pub no_answer: bool,
    /// A client check failed on this call (the lanes of a `client` run).
    pub violated: bool,
    pub title: String,
}

/// One poll observation.
#[derive(Debug)]
pub(crate) struct Tick {
    pub x: f64,
    pub y1: f64,
    pub y2: f64,
    pub title: String,
}

/// Lays out the chart of `run`; `verdict_class` names a check's colour.
pub(crate) fn layout(run: &RunResult, verdict_class: impl Fn(&CheckResult) -> Tone) -> Timeline {
    let scale = Scale::new(end_ms(run));
    let rows: Vec<Row> = run
        .checks
        .iter()
        .enumerate()
        .map(|(i, c)| row(c, i, &scale, verdict_class(c)))
        .collect();
    chart(&scale, rows)
}

/// A chart of `rows` on `scale`'s time axis.
fn chart(scale: &Scale, rows: Vec<Row>) -> Timeline {
    let grid_bottom = TOP + ROW_H * rows.len() as f64;
    Timeline {
        width: WIDTH,
        height: grid_bottom + BOTTOM,
        axis_y: AXIS_Y,
        grid_top: TOP - 4.0,
        grid_bottom,
        row_h: ROW_H,
        ticks: scale.ticks(),
        rows,
    }
}

fn row(check: &CheckResult, index: usize, scale: &Scale, verdict: Tone) -> Row {
    let y = TOP + ROW_H * index as f64;
    let bar_y = y + (ROW_H - BAR_H) / 2.0;
    let bars = bars(&check.exchanges, scale, bar_y);
    let ticks = poll_ticks(check, scale, y);
    Row {
        y: r1(y),
        mid: r1(y + ROW_H / 2.0),
        text_y: r1(y + ROW_H / 2.0 + 4.0),
        label_x: LABEL_X,
        stripe: index % 2 == 1,
        label: shorten(&check.id),
        title: format!(
            "{}: {} (started at {}, took {})",
            check.id,
            check.verdict.as_str(),
            format_ms(check.started_ms),
            format_ms(check.duration_ms)
        ),
        verdict,
        span: scale.rect(check.started_ms, check.duration_ms, y + 3.0, ROW_H - 6.0),
        bars,
        ticks,
    }
}

/// The lanes of a `client` run, one row per execution: a mark per call
/// the client made for it (its POST, each read), red where a client check
/// failed on it, and the terminal status the client was shown; `None`
/// for a run with no lanes. Past [`MAX_LANE_ROWS`] lanes, the chart stays
/// readable and small: the first lanes a check failed on, then the lanes
/// in at most [`GROUP_ROWS`] groups, a mark per time bin counting calls.
pub(crate) fn lanes(run: &RunResult) -> Option<Timeline> {
    let lanes = &run.client.as_ref()?.lanes;
    if lanes.is_empty() {
        return None;
    }
    let end = lanes
        .iter()
        .flat_map(|l| &l.events)
        .map(|e| finite(e.at_ms))
        .fold(1.0, f64::max);
    let scale = Scale::new(end * 1.02);
    if lanes.len() <= MAX_LANE_ROWS {
        let rows: Vec<Row> = lanes
            .iter()
            .enumerate()
            .map(|(i, lane)| lane_row(lane, i, &scale))
            .collect();
        return Some(chart(&scale, rows));
    }
    Some(chart(&scale, aggregated_rows(lanes, &scale)))
}

/// The most lanes drawn one row each; past it, lanes are aggregated.
const MAX_LANE_ROWS: usize = 300;
/// Past [`MAX_LANE_ROWS`]: the lanes a check failed on drawn one row each,
/// at most this many, first.
const VIOLATED_ROWS: usize = 20;
/// Past [`MAX_LANE_ROWS`]: the rows the other lanes are grouped into.
const GROUP_ROWS: usize = 100;
/// The time bins of a group's row: one mark per bin with calls, so a
/// row's marks are bounded whatever the calls.
const GROUP_BINS: usize = 60;

/// The rows of many lanes, bounded in number and marks: the first lanes a
/// check failed on, each on its own row, then every lane in consecutive
/// groups, each row one mark per time bin that counts its calls.
fn aggregated_rows(lanes: &[Lane], scale: &Scale) -> Vec<Row> {
    let mut rows: Vec<Row> = lanes
        .iter()
        .filter(|l| l.events.iter().any(|e| !e.violations.is_empty()))
        .take(VIOLATED_ROWS)
        .enumerate()
        .map(|(i, lane)| lane_row(lane, i, scale))
        .collect();
    let per_row = lanes.len().div_ceil(GROUP_ROWS);
    for (g, group) in lanes.chunks(per_row).enumerate() {
        let index = rows.len();
        rows.push(group_row(group, g * per_row, index, scale));
    }
    rows
}

/// One row for `group`, lanes `first`.. of the run.
fn group_row(group: &[Lane], first: usize, index: usize, scale: &Scale) -> Row {
    let y = TOP + ROW_H * index as f64;
    let bar_y = y + (ROW_H - BAR_H) / 2.0;
    let end = scale.end;
    let bin_of = |ms: f64| ((finite(ms) / end * GROUP_BINS as f64) as usize).min(GROUP_BINS - 1);
    // Per bin: calls, executes, calls a check failed on, first and last time.
    let mut bins = vec![(0usize, 0usize, 0usize, f64::MAX, 0.0f64); GROUP_BINS];
    let events = group.iter().flat_map(|l| &l.events);
    for e in events.clone() {
        let bin = &mut bins[bin_of(e.at_ms)];
        bin.0 += 1;
        bin.1 += usize::from(e.kind() == ExchangeKind::Execute);
        bin.2 += usize::from(!e.violations.is_empty());
        bin.3 = bin.3.min(finite(e.at_ms));
        bin.4 = bin.4.max(finite(e.at_ms));
    }
    let range = format!("executions {}–{}", first + 1, first + group.len());
    let bars = bins
        .iter()
        .filter(|b| b.0 > 0)
        .map(|&(calls, executes, violated, from, to)| Bar {
            rect: scale.rect(from, to - from, bar_y, BAR_H),
            kind: if executes > 0 {
                ExchangeKind::Execute
            } else {
                ExchangeKind::Poll
            },
            no_answer: false,
            violated: violated > 0,
            title: format!(
                "{range}: {calls} calls ({executes} executes) from {} to {}{}",
                format_ms(from),
                format_ms(to),
                if violated > 0 {
                    format!("; {violated} broke a client check")
                } else {
                    String::new()
                }
            ),
        })
        .collect();
    let calls = events.clone().count();
    let violated = events.clone().any(|e| !e.violations.is_empty());
    let (from, to) = events.fold((f64::MAX, 0.0f64), |(a, b), e| {
        (a.min(finite(e.at_ms)), b.max(finite(e.at_ms)))
    });
    let from = if from == f64::MAX { 0.0 } else { from };
    Row {
        y: r1(y),
        mid: r1(y + ROW_H / 2.0),
        text_y: r1(y + ROW_H / 2.0 + 4.0),
        label_x: LABEL_X,
        stripe: index % 2 == 1,
        label: shorten(&format!("{range} ({} lanes)", group.len())),
        title: format!(
            "{range}: {} lanes, {calls} calls, {}; report.json lists each call",
            group.len(),
            terminal_tally(group)
        ),
        verdict: if violated { Tone::Fail } else { Tone::Pass },
        span: scale.rect(from, to - from, y + 3.0, ROW_H - 6.0),
        bars,
        ticks: Vec::new(),
    }
}

/// `completed 240, superseded 10` for the terminal statuses of `lanes`.
fn terminal_tally(lanes: &[Lane]) -> String {
    let mut tally: Vec<(&str, usize)> = Vec::new();
    for lane in lanes {
        let ended = lane
            .terminal
            .as_deref()
            .unwrap_or("no terminal status seen");
        match tally.iter_mut().find(|(s, _)| *s == ended) {
            Some((_, n)) => *n += 1,
            None => tally.push((ended, 1)),
        }
    }
    let parts: Vec<String> = tally.iter().map(|(s, n)| format!("{s} {n}")).collect();
    parts.join(", ")
}

fn lane_row(lane: &Lane, index: usize, scale: &Scale) -> Row {
    let y = TOP + ROW_H * index as f64;
    let bar_y = y + (ROW_H - BAR_H) / 2.0;
    let first = lane.events.first().map_or(0.0, |e| e.at_ms);
    let last = lane.events.last().map_or(0.0, |e| e.at_ms);
    let violated = lane.events.iter().any(|e| !e.violations.is_empty());
    let ended = lane
        .terminal
        .as_deref()
        .unwrap_or("no terminal status seen");
    let bars = lane
        .events
        .iter()
        .map(|e| Bar {
            rect: scale.rect(e.at_ms, 0.0, bar_y, BAR_H),
            kind: e.kind(),
            no_answer: e.status == 0,
            violated: !e.violations.is_empty(),
            title: event_title(e),
        })
        .collect();
    Row {
        y: r1(y),
        mid: r1(y + ROW_H / 2.0),
        text_y: r1(y + ROW_H / 2.0 + 4.0),
        label_x: LABEL_X,
        stripe: index % 2 == 1,
        label: shorten(&format!("{} → {ended}", lane.execution_id)),
        title: format!(
            "{} (conversation {}): {} calls, {ended}",
            lane.execution_id,
            lane.conversation_id.as_deref().unwrap_or("unknown"),
            lane.events.len()
        ),
        verdict: if violated { Tone::Fail } else { Tone::Pass },
        span: scale.rect(first, last - first, y + 3.0, ROW_H - 6.0),
        bars,
        ticks: Vec::new(),
    }
}

fn event_title(e: &LaneEvent) -> String {
    let status = e
        .execution_status
        .as_deref()
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    let violations = if e.violations.is_empty() {
        String::new()
    } else {
        format!("; violates {}", e.violations.join(", "))
    };
    let who = e
        .presented
        .as_deref()
        .map(|s| format!(" by the recorder (scenario {s})"))
        .unwrap_or_default();
    format!(
        "call #{} {} {} → {}{status}{who} at {}{violations}",
        e.seq,
        e.method,
        e.path,
        e.status,
        format_ms(e.at_ms)
    )
}

/// A bar per exchange; the middle of a long run of polls is one bar that
/// counts them, so the page stays small however long polling went on.
fn bars(exchanges: &[Exchange], scale: &Scale, bar_y: f64) -> Vec<Bar> {
    let bar = |e: &Exchange| Bar {
        rect: scale.rect(e.started_ms, e.duration_ms, bar_y, BAR_H),
        kind: e.kind(),
        no_answer: e.response.is_none(),
        violated: false,
        title: bar_title(e),
    };
    let mut bars = Vec::new();
    for (start, len) in poll_runs(exchanges) {
        for (j, skipped) in shown_polls(len) {
            if skipped > 0 {
                let first = &exchanges[start + j - skipped];
                let last = &exchanges[start + j - 1];
                let end = last.started_ms + last.duration_ms;
                bars.push(Bar {
                    rect: scale.rect(first.started_ms, end - first.started_ms, bar_y, BAR_H),
                    kind: ExchangeKind::Poll,
                    no_answer: false,
                    violated: false,
                    title: format!(
                        "{skipped} polls from {} to {} (report.json lists each)",
                        format_ms(first.started_ms),
                        format_ms(end)
                    ),
                });
            }
            bars.push(bar(&exchanges[start + j]));
        }
    }
    bars
}

/// One tick per shown poll observation of `check`, on the row at `y`.
fn poll_ticks(check: &CheckResult, scale: &Scale, y: f64) -> Vec<Tick> {
    let observations = check.polls.iter().flat_map(|p| {
        shown_polls(p.observations.len())
            .into_iter()
            .map(move |(n, _)| (p, n, &p.observations[n]))
    });
    observations
        .map(|(p, n, o)| Tick {
            x: scale.x(o.at_ms),
            y1: r1(y + 3.0),
            y2: r1(y + ROW_H - 3.0),
            title: format!(
                "{} poll {}: {} {} at {}",
                p.path,
                n + 1,
                o.http_status
                    .map_or("no answer".to_string(), |s| s.to_string()),
                o.value.as_deref().unwrap_or(""),
                format_ms(o.at_ms)
            ),
        })
        .collect()
}

fn bar_title(e: &Exchange) -> String {
    let answer = e
        .response
        .as_ref()
        .map_or("no answer".to_string(), |r| r.status.to_string());
    format!(
        "{} {} → {answer} in {} (at {})",
        e.method,
        e.url,
        format_ms(e.duration_ms),
        format_ms(e.started_ms)
    )
}

/// The latest time anything happened, at least 1 ms.
fn end_ms(run: &RunResult) -> f64 {
    let mut end = finite(run.duration_ms);
    for c in &run.checks {
        end = end.max(finite(c.started_ms) + finite(c.duration_ms));
        for e in &c.exchanges {
            end = end.max(finite(e.started_ms) + finite(e.duration_ms));
        }
        for o in c.polls.iter().flat_map(|p| &p.observations) {
            end = end.max(finite(o.at_ms));
        }
    }
    end.max(1.0)
}

/// Milliseconds to x.
struct Scale {
    end: f64,
}

impl Scale {
    fn new(end: f64) -> Scale {
        Scale { end }
    }

    fn x(&self, ms: f64) -> f64 {
        r1(PLOT_X + finite(ms).min(self.end) / self.end * PLOT_W)
    }

    fn rect(&self, start: f64, duration: f64, y: f64, h: f64) -> Rect {
        let x = self.x(start);
        let right = self.x(finite(start) + finite(duration));
        let w = (right - x)
            .max(MIN_BAR_W)
            .min(PLOT_X + PLOT_W - x + MIN_BAR_W);
        Rect {
            x,
            y: r1(y),
            w: r1(w),
            h: r1(h),
        }
    }

    /// Round-numbered ticks (1, 2 or 5 times a power of ten), about eight.
    fn ticks(&self) -> Vec<AxisTick> {
        let raw = self.end / 8.0;
        let magnitude = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .into_iter()
            .map(|m| m * magnitude)
            .find(|s| *s >= raw)
            .unwrap_or(10.0 * magnitude);
        (0..)
            .map(|i| i as f64 * step)
            .take_while(|ms| *ms <= self.end + step * 1e-9)
            .map(|ms| AxisTick {
                x: self.x(ms),
                label: axis_label(ms, step),
            })
            .collect()
    }
}

fn axis_label(ms: f64, step: f64) -> String {
    if step >= 1000.0 || (step >= 100.0 && ms >= 1000.0) {
        format!("{} s", trim_number(ms / 1000.0))
    } else {
        format!("{} ms", trim_number(ms))
    }
}

/// `1.500` → `1.5`, `2.000` → `2`: no float noise on the axis.
fn trim_number(v: f64) -> String {
    let text = format!("{v:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn shorten(id: &str) -> String {
    if id.chars().count() <= LABEL_CHARS {
        return id.to_string();
    }
    let kept: String = id.chars().take(LABEL_CHARS - 1).collect();
    format!("{kept}…")
}

fn finite(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 {
        v
    } else {
        0.0
    }
}

/// Rounds to one decimal: coordinates stay short in the SVG.
fn r1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::sample_run;

    #[test]
    fn bars_sit_on_the_time_scale() {
        let run = sample_run();
        let t = layout(&run, |_| Tone::Muted);
        assert_eq!(t.rows.len(), run.checks.len());
        let happy = &t.rows[0];
        assert_eq!(happy.bars.len(), 4);
        assert_eq!(happy.bars[0].kind, ExchangeKind::Execute);
        assert_eq!(happy.bars[1].kind, ExchangeKind::Poll);
        assert_eq!(happy.ticks.len(), 3);
        // The run lasts 6250 ms: 10 ms in is 1.44 px into the plot.
        assert_eq!(happy.bars[0].rect.x, r1(PLOT_X + 10.0 / 6250.0 * PLOT_W));
        assert!(t
            .rows
            .iter()
            .flat_map(|r| &r.bars)
            .all(|b| b.rect.x + b.rect.w <= PLOT_X + PLOT_W + MIN_BAR_W));
        assert!(t.rows[2].bars[0].no_answer);
    }

    #[test]
    fn axis_has_round_ticks() {
        let t = layout(&sample_run(), |_| Tone::Muted);
        let labels: Vec<_> = t.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["0 s", "1 s", "2 s", "3 s", "4 s", "5 s", "6 s"]);
        let s = Scale::new(900.0);
        let labels: Vec<_> = s.ticks().into_iter().map(|t| t.label).collect();
        assert_eq!(labels[..3], ["0 ms", "200 ms", "400 ms"]);
    }

    #[test]
    fn nonsense_numbers_stay_in_the_plot() {
        let s = Scale::new(100.0);
        assert_eq!(s.x(f64::NAN), PLOT_X);
        assert_eq!(s.x(-5.0), PLOT_X);
        assert_eq!(s.x(1e12), PLOT_X + PLOT_W);
    }
}

#[cfg(test)]
mod lane_tests {
    use super::*;
    use crate::result::{ClientRun, LaneEvent, Side};

    /// A client run of `executions` lanes of four calls each (100,000
    /// calls for 25,000), every 50th lane with a violation.
    fn client_run(executions: usize) -> RunResult {
        let mut run = crate::report::sample::sample_run();
        run.side = Side::Client;
        let lanes = (0..executions)
            .map(|n| {
                let id = format!("exec_{n}");
                let at = n as f64 * 10.0;
                let event = |k: u64, method: &str, status: &str| LaneEvent {
                    seq: n as u64 * 4 + k,
                    at_ms: at + k as f64 * 300.0,
                    method: method.into(),
                    path: if method == "POST" {
                        "/v1/entry-points/ep_1/execute".to_string()
                    } else {
                        format!("/v1/executions/{id}")
                    },
                    status: 200,
                    execution_status: Some(status.into()),
                    violations: if n % 50 == 0 && k == 3 {
                        vec!["client::poll-interval".into()]
                    } else {
                        Vec::new()
                    },
                    presented: None,
                };
                Lane {
                    execution_id: id.clone(),
                    conversation_id: Some(format!("conv_{n}")),
                    terminal: Some("completed".into()),
                    events: vec![
                        event(0, "POST", "queued"),
                        event(1, "GET", "queued"),
                        event(2, "GET", "running"),
                        event(3, "GET", "completed"),
                    ],
                }
            })
            .collect();
        run.client = Some(ClientRun {
            command: None,
            command_exit: None,
            scenarios: Vec::new(),
            upstream: None,
            calls_recorded: executions * 4,
            calls_dropped: 0,
            calls_truncated: 0,
            lanes,
        });
        run
    }

    #[test]
    fn a_few_lanes_are_drawn_one_row_each() {
        let chart = lanes(&client_run(40)).unwrap();
        assert_eq!(chart.rows.len(), 40);
        assert!(chart.rows.iter().all(|r| r.bars.len() == 4));
    }

    #[test]
    fn ten_thousand_calls_make_a_readable_chart_and_a_small_report() {
        let run = client_run(2_500);
        let chart = lanes(&run).unwrap();
        assert_eq!(chart.rows.len(), VIOLATED_ROWS + GROUP_ROWS);
        assert!(
            chart.rows[0].title.starts_with("exec_0 "),
            "{}",
            chart.rows[0].title
        );
        let group = &chart.rows[VIOLATED_ROWS];
        assert!(
            group.label.starts_with("executions 1–25 "),
            "{}",
            group.label
        );
        assert!(
            group.title.contains("100 calls, completed 25"),
            "{}",
            group.title
        );
        assert!(chart.rows.iter().all(|r| r.bars.len() <= GROUP_BINS.max(4)));
        let html = crate::report::html::render_html(&run, &crate::secret::Redactor::default())
            .expect("renders");
        // The chart's size does not grow with the calls: 100,000 calls made
        // about 130 KB (22 MB when every call was a mark; docs/benchmarks.md).
        assert!(html.len() < 1_000_000, "{} bytes", html.len());
    }
}
