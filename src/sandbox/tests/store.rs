//! The store's lifecycle rules against a synthetic clock: completion after
//! the latency, latest wins, account isolation, and the state faults.

use std::time::Duration;

use crate::sandbox::accounts::AccountId;
use crate::sandbox::faults::{ActiveFaults, Fault};
use crate::sandbox::state::{
    Clock, Created, ExecutionView, NewExecution, Settings, Store, MAX_EXECUTIONS,
};

const LATENCY: Duration = Duration::from_millis(300);

fn settings(faults: &[Fault]) -> Settings {
    Settings {
        latency: LATENCY,
        faults: ActiveFaults::new(faults.to_vec()),
        dialects: Default::default(),
        scenarios: Default::default(),
        hold: None,
    }
}

fn later(clock: Clock, by: Duration) -> Clock {
    Clock {
        now: clock.now + by,
        wall: clock.wall + by,
    }
}

fn request(conversation_id: Option<&str>) -> NewExecution {
    NewExecution {
        account: AccountId::Primary,
        conversation_id: conversation_id.map(str::to_string),
        fails: false,
    }
}

fn create(
    store: &mut Store,
    conversation_id: Option<&str>,
    at: Clock,
    settings: &Settings,
) -> Created {
    store
        .create(request(conversation_id), at, settings)
        .expect("store has room")
}

fn read(store: &mut Store, id: &str, at: Clock, settings: &Settings) -> ExecutionView {
    store
        .read(AccountId::Primary, id, at.now, settings)
        .expect("readable")
}

fn status(store: &mut Store, id: &str, at: Clock, settings: &Settings) -> &'static str {
    read(store, id, at, settings).status
}

#[test]
fn execution_completes_once_its_latency_has_passed() {
    let (settings, t0) = (settings(&[]), Clock::now());
    let mut store = Store::default();
    let created = create(&mut store, None, t0, &settings);
    assert_eq!(created.execution_id, "exec_1");
    assert_eq!(created.conversation_id, "conv_1");
    let early = read(&mut store, "exec_1", later(t0, LATENCY / 2), &settings);
    assert_eq!((early.status, early.response), ("queued", None));
    let done = read(&mut store, "exec_1", later(t0, LATENCY), &settings);
    assert_eq!(done.status, "completed");
    assert!(done.response.is_some_and(|text| !text.is_empty()));
    // Terminal statuses are final and the completion is recorded once.
    assert_eq!(
        status(&mut store, "exec_1", later(t0, LATENCY * 9), &settings),
        "completed"
    );
}

#[test]
fn newer_execution_supersedes_the_queued_older_ones() {
    let (settings, t0) = (settings(&[]), Clock::now());
    let mut store = Store::default();
    let first = create(&mut store, None, t0, &settings);
    let conversation = Some(first.conversation_id.as_str());
    let second = create(&mut store, conversation, later(t0, LATENCY / 3), &settings);
    let third = create(&mut store, conversation, later(t0, LATENCY / 2), &settings);
    assert_eq!(third.conversation_id, first.conversation_id);
    let end = later(t0, LATENCY * 2);
    let superseded = read(&mut store, &first.execution_id, end, &settings);
    assert_eq!(
        (superseded.status, superseded.response),
        ("superseded", None)
    );
    assert_eq!(
        status(&mut store, &second.execution_id, end, &settings),
        "superseded"
    );
    assert_eq!(
        status(&mut store, &third.execution_id, end, &settings),
        "completed"
    );
}

#[test]
fn completed_execution_is_not_superseded_later() {
    let (settings, t0) = (settings(&[]), Clock::now());
    let mut store = Store::default();
    let first = create(&mut store, None, t0, &settings);
    let conversation = Some(first.conversation_id.as_str());
    create(&mut store, conversation, later(t0, LATENCY * 2), &settings);
    let end = later(t0, LATENCY * 3);
    assert_eq!(
        status(&mut store, &first.execution_id, end, &settings),
        "completed"
    );
}

#[test]
fn fail_marker_ends_failed_with_an_error() {
    let (settings, t0) = (settings(&[]), Clock::now());
    let mut store = Store::default();
    let failing = NewExecution {
        fails: true,
        ..request(None)
    };
    let created = store.create(failing, t0, &settings).expect("room");
    let view = read(
        &mut store,
        &created.execution_id,
        later(t0, LATENCY),
        &settings,
    );
    assert_eq!((view.status, view.response), ("failed", None));
    assert!(view.error.is_some());
}

#[test]
fn executions_of_other_accounts_and_unknown_ids_are_invalid() {
    let (settings, t0) = (settings(&[]), Clock::now());
    let mut store = Store::default();
    let created = create(&mut store, None, t0, &settings);
    for (account, id) in [
        (AccountId::Other, created.execution_id.as_str()),
        (AccountId::Primary, "exec_999"),
    ] {
        let error = store
            .read(account, id, t0.now, &settings)
            .expect_err("invalid");
        assert_eq!(error.status().as_u16(), 400);
        assert_eq!(error.message(), "Invalid executionId for this account");
    }
}

#[test]
fn conversation_ids_of_others_are_not_joined() {
    let (settings, t0) = (settings(&[]), Clock::now());
    let mut store = Store::default();
    let mine = create(&mut store, Some("my-own-id"), t0, &settings);
    assert_eq!(mine.conversation_id, "my-own-id");
    let other = NewExecution {
        account: AccountId::Other,
        ..request(Some("my-own-id"))
    };
    let theirs = store.create(other, t0, &settings).expect("room");
    assert_ne!(theirs.conversation_id, "my-own-id");
    // Theirs did not supersede mine.
    assert_eq!(
        status(
            &mut store,
            &mine.execution_id,
            later(t0, LATENCY),
            &settings
        ),
        "completed"
    );
}

#[test]
fn generated_conversation_ids_skip_chosen_ones() {
    let (settings, t0) = (settings(&[]), Clock::now());
    let mut store = Store::default();
    create(&mut store, Some("conv_1"), t0, &settings);
    assert_eq!(
        create(&mut store, None, t0, &settings).conversation_id,
        "conv_2"
    );
}

#[test]
fn store_is_bounded() {
    let (settings, t0) = (settings(&[]), Clock::now());
    let mut store = Store::default();
    for _ in 0..MAX_EXECUTIONS {
        create(&mut store, None, t0, &settings);
    }
    let error = store
        .create(request(None), t0, &settings)
        .expect_err("full");
    assert_eq!(error.status().as_u16(), 503);
}

#[test]
fn terminal_flaps_reads_queued_once_after_completed() {
    let (settings, t0) = (settings(&[Fault::TerminalFlaps]), Clock::now());
    let mut store = Store::default();
    create(&mut store, None, t0, &settings);
    let end = later(t0, LATENCY);
    let reads: Vec<ExecutionView> = (0..4)
        .map(|_| read(&mut store, "exec_1", end, &settings))
        .collect();
    let statuses: Vec<&str> = reads.iter().map(|view| view.status).collect();
    assert_eq!(statuses, ["completed", "queued", "completed", "completed"]);
    assert_ne!(reads[0].response, reads[2].response);
}

#[test]
fn latest_wins_faults_change_who_completes() {
    let t0 = Clock::now();
    let cases = [
        (Fault::NoLatestWins, ["completed", "completed"]),
        (Fault::NewestSuperseded, ["completed", "superseded"]),
        (Fault::NeverFinishes, ["superseded", "queued"]),
        (Fault::SupersededWithResponse, ["superseded", "completed"]),
    ];
    for (fault, expected) in cases {
        let settings = settings(std::slice::from_ref(&fault));
        let mut store = Store::default();
        let first = create(&mut store, None, t0, &settings);
        create(&mut store, Some(&first.conversation_id), t0, &settings);
        let end = later(t0, LATENCY);
        let views = [
            read(&mut store, "exec_1", end, &settings),
            read(&mut store, "exec_2", end, &settings),
        ];
        assert_eq!(views.clone().map(|view| view.status), expected, "{fault}");
        let with_response = expected[0] == "completed" || fault == Fault::SupersededWithResponse;
        assert_eq!(views[0].response.is_some(), with_response, "{fault}");
    }
}

#[test]
fn view_faults_change_one_field() {
    let t0 = Clock::now();
    let end = later(t0, LATENCY);
    let faults = [
        Fault::UndocumentedStatus,
        Fault::CompletedWithoutResponse,
        Fault::ConversationIdChanges,
        Fault::AlwaysFails,
    ];
    for fault in faults {
        let settings = settings(std::slice::from_ref(&fault));
        let mut store = Store::default();
        create(&mut store, None, t0, &settings);
        let early = read(&mut store, "exec_1", t0, &settings);
        let done = read(&mut store, "exec_1", end, &settings);
        match fault {
            Fault::UndocumentedStatus => assert_eq!(early.status, "processing"),
            Fault::CompletedWithoutResponse => {
                assert_eq!((done.status, done.response), ("completed", None))
            }
            Fault::ConversationIdChanges => assert_ne!(done.conversation_id, "conv_1"),
            _ => assert_eq!((done.status, done.response), ("failed", None)),
        }
    }
}

#[test]
fn rate_limited_refuses_the_first_two_reads() {
    let (settings, t0) = (settings(&[Fault::RateLimited]), Clock::now());
    let mut store = Store::default();
    create(&mut store, None, t0, &settings);
    for _ in 0..2 {
        let error = store
            .read(AccountId::Primary, "exec_1", t0.now, &settings)
            .expect_err("limited");
        assert_eq!(error.status().as_u16(), 429);
        assert_eq!(error.headers().len(), 1);
    }
    assert_eq!(status(&mut store, "exec_1", t0, &settings), "queued");
}

#[test]
fn superseded_scenario_supersedes_at_half_the_latency_from_elsewhere() {
    use crate::sandbox::scenario::{ActiveScenarios, Scenario};
    let settings = Settings {
        scenarios: ActiveScenarios::new(vec![Scenario::Superseded]),
        ..settings(&[])
    };
    let t0 = Clock::now();
    let mut store = Store::default();
    let created = create(&mut store, None, t0, &settings);
    let just_before = later(t0, LATENCY / 2 - Duration::from_millis(1));
    assert_eq!(
        status(&mut store, "exec_1", just_before, &settings),
        "queued"
    );
    let half = later(t0, LATENCY / 2);
    let view = read(&mut store, "exec_1", half, &settings);
    assert_eq!(
        (view.status, view.conversation_id.as_str()),
        ("superseded", created.conversation_id.as_str())
    );
    // The newer one arrived from elsewhere at half the latency and ends then.
    assert_eq!(status(&mut store, "exec_2", half, &settings), "queued");
    let done = later(t0, LATENCY / 2 + LATENCY);
    let newer = read(&mut store, "exec_2", done, &settings);
    assert_eq!(
        (newer.status, newer.conversation_id),
        ("completed", created.conversation_id)
    );
    let superseded = &store.completions()[0];
    assert_eq!(superseded.completed_at, half.wall);
}

#[test]
fn a_held_execution_stays_queued_until_released_then_ends_by_its_latency() {
    use crate::sandbox::{Hold, HoldEvent};
    let hold = Hold::new();
    let settings = Settings {
        hold: Some(hold.clone()),
        ..settings(&[])
    };
    let t0 = Clock::now();
    let mut store = Store::default();
    create(&mut store, None, t0, &settings);
    create(&mut store, None, t0, &settings);
    let long_after = later(t0, LATENCY * 100);
    assert_eq!(
        status(&mut store, "exec_1", long_after, &settings),
        "queued"
    );
    // Released one by one: the other stays held.
    hold.release("exec_1");
    assert_eq!(
        status(&mut store, "exec_1", long_after, &settings),
        "completed"
    );
    assert_eq!(
        status(&mut store, "exec_2", long_after, &settings),
        "queued"
    );
    // A held execution is still superseded by a newer one of its
    // conversation: the hold keeps it from ending by time, nothing else.
    create(&mut store, Some("conv_2"), t0, &settings);
    assert_eq!(
        status(&mut store, "exec_2", long_after, &settings),
        "superseded"
    );
    // Released all, an execution whose latency has not passed still waits.
    hold.release_all();
    assert_eq!(
        status(&mut store, "exec_3", later(t0, LATENCY / 2), &settings),
        "queued"
    );
    assert_eq!(
        status(&mut store, "exec_3", long_after, &settings),
        "completed"
    );
    let accepted = |id: &str, conversation: &str, continued| HoldEvent::Accepted {
        execution_id: id.to_string(),
        conversation_id: conversation.to_string(),
        continued,
    };
    let read = |id: &str, status| HoldEvent::Read {
        execution_id: id.to_string(),
        status,
    };
    assert_eq!(
        hold.events(),
        vec![
            accepted("exec_1", "conv_1", false),
            accepted("exec_2", "conv_2", false),
            read("exec_1", "queued"),
            read("exec_1", "completed"),
            read("exec_2", "queued"),
            accepted("exec_3", "conv_2", true),
            read("exec_2", "superseded"),
            read("exec_3", "queued"),
            read("exec_3", "completed"),
        ]
    );
}

#[test]
fn waiting_on_a_hold_ends_when_its_condition_holds_or_its_bound_passes() {
    use crate::sandbox::{Hold, HoldEvent};
    let hold = Hold::new();
    assert!(!hold.wait_until(Duration::from_millis(1), |e| !e.is_empty()));
    let settings = Settings {
        hold: Some(hold.clone()),
        ..settings(&[])
    };
    let waiter = {
        let hold = hold.clone();
        std::thread::spawn(move || {
            hold.wait_until(Duration::from_secs(60), |events| {
                events
                    .iter()
                    .any(|e| matches!(e, HoldEvent::Accepted { .. }))
            })
        })
    };
    create(&mut Store::default(), None, Clock::now(), &settings);
    assert!(waiter.join().unwrap());
    // Releasing everything wakes a waiter whose condition never comes.
    let waiter = {
        let hold = hold.clone();
        std::thread::spawn(move || hold.wait_until(Duration::from_secs(60), |_| false))
    };
    hold.release_all();
    assert!(!waiter.join().unwrap());
}

#[test]
fn a_held_execution_meets_the_newer_message_from_elsewhere_only_once_let_go() {
    use crate::sandbox::scenario::{ActiveScenarios, Scenario};
    use crate::sandbox::Hold;
    let hold = Hold::new();
    let settings = Settings {
        scenarios: ActiveScenarios::new(vec![Scenario::Superseded]),
        hold: Some(hold.clone()),
        ..settings(&[])
    };
    let t0 = Clock::now();
    let mut store = Store::default();
    create(&mut store, None, t0, &settings);
    let long_after = later(t0, LATENCY * 100);
    // Held, it stays queued whatever the clock says: no newer message yet.
    assert_eq!(
        status(&mut store, "exec_1", long_after, &settings),
        "queued"
    );
    assert!(store.completions().is_empty());
    hold.release("exec_1");
    assert_eq!(
        status(&mut store, "exec_1", long_after, &settings),
        "superseded"
    );
    assert_eq!(
        store.completions()[0].completed_at,
        later(t0, LATENCY / 2).wall
    );
}

#[test]
fn a_hold_releasing_after_reads_lets_each_execution_go_once_read_running_that_often() {
    use crate::sandbox::dialects::{ActiveDialects, Dialect};
    use crate::sandbox::Hold;
    let hold = Hold::releasing_after(2);
    // Running reads `processing` from its second read on in that dialect:
    // counted all the same.
    let settings = Settings {
        hold: Some(hold.clone()),
        dialects: ActiveDialects::new(vec![Dialect::ProcessingStatus]),
        ..settings(&[])
    };
    let t0 = Clock::now();
    let mut store = Store::default();
    create(&mut store, None, t0, &settings);
    create(&mut store, None, t0, &settings);
    let long_after = later(t0, LATENCY * 100);
    for running in ["queued", "processing"] {
        assert_eq!(status(&mut store, "exec_1", long_after, &settings), running);
    }
    assert!(!hold.holds("exec_1") && hold.holds("exec_2"));
    assert_eq!(
        status(&mut store, "exec_1", long_after, &settings),
        "completed"
    );
    // The other was read once: still held.
    assert_eq!(
        status(&mut store, "exec_2", long_after, &settings),
        "queued"
    );
    assert!(hold.holds("exec_2"));
}
