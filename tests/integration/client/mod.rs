//! `wapzi-homolog client`: small clients written here, graded over their
//! real calls to a recorded sandbox on loopback; the command end to end,
//! with a real child process as the client.

mod clients;
mod command;
mod concurrent;
mod docs;
mod hardening;

use std::time::Duration;

use wapzi_homolog::check::{load_sources, CheckSet, CheckSource};
use wapzi_homolog::grade::{grade, judge_client, ClientFacts, GradeContext};
use wapzi_homolog::recorder::RecordedServer;
use wapzi_homolog::result::{RunVerdict, Verdict};
use wapzi_homolog::sandbox::{Hold, SandboxConfig, Scenario, FIXTURES};

use clients::{drive, Api, Behaviour};

/// The scenarios under which every built-in client check meets its
/// situation in one run: slow executions (polling shows), a 429 and a 503
/// with Retry-After, a superseded execution, then a rotated key (401).
const EVERYTHING: [&str; 4] = ["slow", "unavailable", "superseded", "key-rotated"];

fn builtin() -> CheckSet {
    load_sources(&[CheckSource::Builtin]).expect("the built-in checks load")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// What grading said of one client's calls.
#[derive(Debug)]
struct Graded {
    failed: Vec<String>,
    passed: Vec<String>,
    ignored: Vec<String>,
    /// The verdict for go-live.
    verdict: RunVerdict,
}

/// The sandbox's latency in the matrices.
const LATENCY: Duration = Duration::from_millis(300);

/// A case to grade: a client, the scenarios and dialects of the sandbox it
/// meets, and the sandbox's latency.
type Case = (Behaviour, Vec<&'static str>, Vec<&'static str>, Duration);

/// Grades every case at once, each on a recorded sandbox of its own.
fn graded_all(cases: Vec<Case>) -> Vec<Graded> {
    runtime().block_on(async {
        let tasks: Vec<_> = cases
            .into_iter()
            .map(|(behaviour, scenarios, dialects, latency)| {
                tokio::spawn(
                    async move { graded_in(behaviour, &scenarios, &dialects, latency).await },
                )
            })
            .collect();
        let mut all = Vec::new();
        for task in tasks {
            all.push(task.await.unwrap());
        }
        all
    })
}

/// Serves a recorded sandbox presenting `scenarios` and speaking
/// `dialects`, lets `behaviour` drive it, and grades what it recorded with
/// the built-in client checks.
async fn graded_in(
    behaviour: Behaviour,
    scenarios: &[&str],
    dialects: &[&str],
    latency: Duration,
) -> Graded {
    // `slow` is presented by a hold rather than by 3 s of latency: each
    // execution stays queued, untouched by the clock, until it was read
    // queued as often as a polite poller reads it under the real `slow`.
    let hold = scenarios
        .contains(&"slow")
        .then(|| Hold::releasing_after(QUEUED_READS_WHEN_SLOW));
    let config = SandboxConfig {
        latency,
        dialects: dialects
            .iter()
            .map(|d| wapzi_homolog::sandbox::Dialect::parse(d).unwrap())
            .collect(),
        scenarios: scenarios
            .iter()
            .filter(|s| **s != "slow")
            .map(|s| Scenario::parse(s).unwrap())
            .collect(),
        hold: hold.clone(),
        ..SandboxConfig::default()
    };
    let server = RecordedServer::sandbox(([127, 0, 0, 1], 0).into(), config)
        .await
        .unwrap();
    let api = Api {
        base_url: server.base_url(),
        key: FIXTURES.api_key.to_string(),
        entry_point: FIXTURES.entry_point_id.to_string(),
    };
    drive(&api, behaviour).await;
    // What the client abandoned ends now, as `slow` would end it unread.
    if let Some(hold) = hold {
        hold.release_all();
    }
    let recording = server.shutdown().await;
    graded_recording(&recording, scenarios)
}

/// How many reads answered `queued` the hold standing for `slow` lets an
/// execution have: what a 250 ms poller sees under the real `slow` with
/// every scenario (after the 503's 1 s, reads at 1 s and 1.25 s, then the
/// newer message at 1.5 s), and enough for polling to show.
const QUEUED_READS_WHEN_SLOW: usize = 2;

/// Serves a recorder forwarding to a sandbox that presents
/// `upstream_scenarios` itself (the real API, as `--upstream` meets it),
/// lets `behaviour` drive it, and grades what the recorder kept.
async fn graded_through_upstream(behaviour: Behaviour, upstream_scenarios: &[&str]) -> Graded {
    let upstream = wapzi_homolog::sandbox::Sandbox::start(
        ([127, 0, 0, 1], 0).into(),
        SandboxConfig {
            latency: Duration::from_millis(300),
            scenarios: upstream_scenarios
                .iter()
                .map(|s| Scenario::parse(s).unwrap())
                .collect(),
            ..SandboxConfig::default()
        },
    )
    .await
    .unwrap();
    let url = reqwest::Url::parse(&upstream.base_url()).unwrap();
    let client =
        wapzi_homolog::recorder::upstream_client(&url, Duration::from_secs(30), &|_| None).unwrap();
    let server = RecordedServer::upstream(([127, 0, 0, 1], 0).into(), url, client, Vec::new())
        .await
        .unwrap();
    let api = Api {
        base_url: server.base_url(),
        key: FIXTURES.api_key.to_string(),
        entry_point: FIXTURES.entry_point_id.to_string(),
    };
    drive(&api, behaviour).await;
    // The upstream first: stopping, it sends the 202 it held back, which
    // the recorder forwards to a client long gone, and keeps.
    upstream.shutdown().await;
    server.recorder().settled(Duration::from_secs(10)).await;
    let recording = server.shutdown().await;
    graded_recording(&recording, &[])
}

/// Grades `recording` with the built-in client checks, the sandbox having
/// presented `scenarios`.
fn graded_recording(recording: &wapzi_homolog::recording::Recording, scenarios: &[&str]) -> Graded {
    let set = builtin();
    let context =
        GradeContext::new(&[wapzi_homolog::secret::Secret::new(FIXTURES.api_key, "key").unwrap()]);
    let results = grade(&set.client_checks, recording, &context).results;
    let facts = ClientFacts {
        scenarios: scenarios.iter().map(|s| s.to_string()).collect(),
        ..ClientFacts::default()
    };
    let calls = recording.calls.len();
    let judged = judge_client(&set.client_checks, &results, calls, 0, &facts);
    let with = |verdict: Verdict| {
        let mut ids: Vec<String> = results
            .iter()
            .filter(|r| r.verdict == verdict)
            .map(|r| r.id.clone())
            .collect();
        ids.sort();
        ids
    };
    Graded {
        // Advisory checks (inferred from what the page leaves open) catch
        // their faults too: reported, never gating.
        failed: {
            let mut ids = with(Verdict::Failed);
            ids.extend(with(Verdict::AdvisoryFailed));
            ids.sort();
            ids
        },
        passed: with(Verdict::Passed),
        ignored: with(Verdict::Ignored),
        verdict: judged.verdict,
    }
}

/// Each faulty client fails exactly the checks that exist for its fault,
/// under the scenarios that exercise every check; the correct one fails none
/// and leaves none unexercised.
#[test]
fn each_client_fails_exactly_its_checks() {
    let expected: &[(Behaviour, &[&str])] = &[
        (Behaviour::Correct, &[]),
        (Behaviour::NodeFetch, &[]),
        (Behaviour::TightPolling, &["client::poll-interval"]),
        (Behaviour::StopsAtQueued, &["client::reads-until-terminal"]),
        (Behaviour::InventsIds, &["client::reads-only-returned-ids"]),
        // The execution it created twice is one it never reads.
        (
            Behaviour::RePosts,
            &[
                "client::no-duplicate-execution",
                "client::reads-until-terminal",
            ],
        ),
        (
            Behaviour::IgnoresRetryAfter,
            &["client::honours-retry-after"],
        ),
        (Behaviour::BrowserHeaders, &["client::from-backend"]),
        (Behaviour::KeyInQuery, &["client::key-only-in-header"]),
        (
            Behaviour::HammersAfterRefusal,
            &["client::refusals-not-hammered"],
        ),
        (Behaviour::NotJson, &["client::execute-request-shape"]),
        (
            Behaviour::InventsConversation,
            &["client::conversation-from-api"],
        ),
        // Reading past `superseded` is reading past a terminal status.
        (
            Behaviour::ReadsAfterTerminal,
            &["client::stops-at-terminal", "client::superseded-is-final"],
        ),
        // Three users at once: their reads go on through one another's
        // 503, and the key's refusal stops each where it meets it.
        (Behaviour::Concurrent, &[]),
        (
            Behaviour::ConcurrentIgnoresRetryAfter,
            &["client::honours-retry-after"],
        ),
        (
            Behaviour::ConcurrentAbandons,
            &["client::reads-until-terminal"],
        ),
    ];
    assert_eq!(expected.len(), Behaviour::ALL.len());
    let all = graded_all(
        expected
            .iter()
            .map(|(behaviour, _)| (*behaviour, EVERYTHING.to_vec(), vec![], LATENCY))
            .collect(),
    );
    let mut wrong = Vec::new();
    for ((behaviour, failing), graded) in expected.iter().zip(&all) {
        if graded.failed != *failing {
            wrong.push(format!(
                "{behaviour:?}: expected {failing:?} to fail, got {:?} (ignored: {:?})",
                graded.failed, graded.ignored
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    for correct in [Behaviour::Correct, Behaviour::Concurrent] {
        let at = expected.iter().position(|(b, _)| *b == correct).unwrap();
        let graded = &all[at];
        assert!(
            graded.ignored.is_empty(),
            "{correct:?}: the scenarios exercise every check: {:?}",
            graded.ignored
        );
        assert_eq!(graded.passed.len(), builtin().client_checks.len());
        assert_eq!(graded.verdict, RunVerdict::Ready, "{correct:?}");
    }
}

/// The mistakes real teams make, each graded under the scenarios that
/// provoke it: what fails, and the verdict it earns.
#[test]
fn mistakes_teams_make_are_named() {
    let everything_long: Vec<&str> = EVERYTHING.iter().copied().chain(["long-answer"]).collect();
    let expected: Vec<(Behaviour, Vec<&str>, &[&str], RunVerdict)> = vec![
        // 2,400-byte messages and 3,000-character answers: graded whole.
        (
            Behaviour::LongMessages,
            everything_long,
            &[],
            RunVerdict::Ready,
        ),
        // The 202 is later than the client's timeout: its retry is the
        // duplicate, requestId or not.
        (
            Behaviour::RetriesAfterTimeout,
            vec!["slow-accept"],
            &["client::no-duplicate-execution"],
            RunVerdict::NotReady,
        ),
        (
            Behaviour::RetriesWithRequestId,
            vec!["slow-accept"],
            &["client::no-duplicate-execution"],
            RunVerdict::NotReady,
        ),
        (
            Behaviour::ResendsSuperseded,
            vec!["superseded"],
            &["client::superseded-not-resent"],
            RunVerdict::NotReady,
        ),
        // Nothing fails, but latest-wins was never practised.
        (
            Behaviour::NeverContinues,
            EVERYTHING.to_vec(),
            &[],
            RunVerdict::Incomplete,
        ),
        // An advisory finding: reported, not gating.
        (
            Behaviour::KeyAlsoBearer,
            EVERYTHING.to_vec(),
            &["client::key-only-in-x-api-key"],
            RunVerdict::Ready,
        ),
    ];
    assert_eq!(expected.len(), Behaviour::MISTAKES.len());
    let all = graded_all(
        expected
            .iter()
            .map(|(behaviour, scenarios, _, _)| (*behaviour, scenarios.clone(), vec![], LATENCY))
            .collect(),
    );
    let wrong: Vec<String> = expected
        .iter()
        .zip(&all)
        .filter(|((_, _, failing, verdict), g)| g.failed != *failing || g.verdict != *verdict)
        .map(|((b, _, failing, verdict), g)| {
            format!(
                "{b:?}: expected {failing:?} and {verdict:?}, got {:?} and {:?} (ignored {:?})",
                g.failed, g.verdict, g.ignored
            )
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The scenario sets a correct client meets: none, each one alone, and all
/// of them together.
fn scenario_sets() -> Vec<Vec<&'static str>> {
    let each = Scenario::ALL.iter().map(|s| vec![s.name]);
    let all: Vec<&'static str> = Scenario::ALL.iter().map(|s| s.name).collect();
    std::iter::once(Vec::new())
        .chain(each)
        .chain(std::iter::once(all))
        .collect()
}

/// Runs `behaviour` under every scenario set, at latencies 0 and 300 ms,
/// and asserts it failed nothing: no false failures.
fn assert_fails_nothing(behaviour: Behaviour) {
    let cases: Vec<(Vec<&'static str>, u64)> = scenario_sets()
        .into_iter()
        .flat_map(|scenarios| [(scenarios.clone(), 0), (scenarios, 300)])
        .collect();
    let all = graded_all(
        cases
            .iter()
            .map(|(scenarios, ms)| {
                (
                    behaviour,
                    scenarios.clone(),
                    vec![],
                    Duration::from_millis(*ms),
                )
            })
            .collect(),
    );
    for ((scenarios, ms), graded) in cases.iter().zip(&all) {
        assert!(
            graded.failed.is_empty(),
            "{behaviour:?} under {scenarios:?} at {ms} ms: {:?}",
            graded.failed
        );
        assert!(
            !graded.passed.is_empty(),
            "{behaviour:?} under {scenarios:?}: nothing passed"
        );
    }
}

/// The correct client fails nothing under any one scenario, nor none, nor
/// all together, at latencies 0 and 300 ms: no false failures.
#[test]
fn the_correct_client_fails_nothing_under_any_scenario() {
    assert_fails_nothing(Behaviour::Correct);
}

/// Nor does a correct backend serving three users at once: a 503 on one
/// execution holds none of the others' reads, and an execution whose reads
/// the key's refusal cut is not one left unread.
#[test]
fn the_concurrent_correct_client_fails_nothing_under_any_scenario() {
    assert_fails_nothing(Behaviour::Concurrent);
}

/// A correct client, alone or serving three users at once, is READY against
/// a sandbox speaking each dialect alone and all of them together, under
/// the scenarios that exercise every check: the client checks judge what
/// the page says, not one reading of what it leaves open.
#[test]
fn correct_clients_are_ready_whatever_the_dialect() {
    let names: Vec<&'static str> = wapzi_homolog::sandbox::Dialect::ALL
        .iter()
        .map(|d| d.name)
        .collect();
    let sets: Vec<Vec<&'static str>> = names
        .iter()
        .map(|d| vec![*d])
        .chain(std::iter::once(names.clone()))
        .collect();
    let cases: Vec<(Behaviour, Vec<&'static str>)> = [Behaviour::Correct, Behaviour::Concurrent]
        .into_iter()
        .flat_map(|b| sets.iter().map(move |s| (b, s.clone())))
        .collect();
    let all = graded_all(
        cases
            .iter()
            .map(|(behaviour, dialects)| {
                (*behaviour, EVERYTHING.to_vec(), dialects.clone(), LATENCY)
            })
            .collect(),
    );
    let wrong: Vec<String> = cases
        .iter()
        .zip(&all)
        .filter(|(_, g)| !g.failed.is_empty() || g.verdict != RunVerdict::Ready)
        .map(|((b, d), g)| {
            format!(
                "{b:?} with {d:?}: {:?}, failed {:?}, ignored {:?}",
                g.verdict, g.failed, g.ignored
            )
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Through `--upstream` too, a retry after the client's own timeout is the
/// duplicate the API created, requestId or not: the recorder keeps the
/// exchange the client hung up on, with the API's late 202.
#[test]
fn a_retry_after_a_timeout_is_a_duplicate_through_upstream_too() {
    let behaviours = [
        Behaviour::RetriesAfterTimeout,
        Behaviour::RetriesWithRequestId,
    ];
    // Both at once, each through an upstream and a recorder of its own.
    let all = runtime().block_on(futures_util::future::join_all(
        behaviours.map(|behaviour| graded_through_upstream(behaviour, &["slow-accept"])),
    ));
    for (behaviour, graded) in behaviours.iter().zip(&all) {
        assert!(
            graded
                .failed
                .contains(&"client::no-duplicate-execution".to_string()),
            "{behaviour:?}: failed {:?}, ignored {:?}",
            graded.failed,
            graded.ignored
        );
        assert_eq!(graded.verdict, RunVerdict::NotReady, "{behaviour:?}");
    }
}
