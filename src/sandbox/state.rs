//! The sandbox's in-memory state: conversations and executions, whose status
//! is computed lazily from the clock when they are read or counted.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use axum::http::{header, HeaderValue, StatusCode};
use tokio::time::Instant;

use super::accounts::AccountId;
use super::dialects::{ActiveDialects, Dialect};
use super::error::ApiError;
use super::faults::{ActiveFaults, Fault};
use super::hold::{Hold, HoldEvent};
use super::scenario::{ActiveScenarios, Scenario};

/// At most this many executions are stored; execute answers 503 beyond.
pub(crate) const MAX_EXECUTIONS: usize = 100_000;

const ANSWER: &str =
    "Hello! This is the Wapzi sandbox: your message was received and an agent answered it.";
const ANSWER_AGAIN: &str = "Hello again! The Wapzi sandbox answers the same message differently.";
const FAILURE: &str = "The agent could not answer this message.";

/// The answer under the `long-answer` scenario: 3,000 characters, many of
/// them accented (two bytes each in UTF-8), as an LLM agent may write.
static LONG_ANSWER: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let sentence =
        "Olá! A sua solicitação foi recebida e já estamos verificando a situação do pedido. ";
    sentence.chars().cycle().take(3000).collect()
});

/// What the sandbox counted since it started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SandboxStats {
    /// Requests received, whatever their route or answer.
    pub requests: u64,
    /// Requests that carried an `x-api-key` header.
    pub requests_with_key: u64,
    /// Executions that reached a terminal status, earliest first.
    pub completions: Vec<Completion>,
}

/// When an execution reached a terminal status, on the server's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The execution's id.
    pub execution_id: String,
    /// The terminal status it reached: `completed`, `failed` or `superseded`.
    pub status: &'static str,
    /// When its execute was accepted.
    pub created_at: SystemTime,
    /// When it became `completed` or `failed` (its creation plus the
    /// latency), or `superseded` (the newer execute).
    pub completed_at: SystemTime,
}

/// A point in time, for deadlines (`now`) and for reports (`wall`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    pub(crate) now: Instant,
    pub(crate) wall: SystemTime,
}

impl Clock {
    /// Reads both clocks.
    pub(crate) fn now() -> Self {
        Self {
            now: Instant::now(),
            wall: SystemTime::now(),
        }
    }
}

/// The settings a sandbox runs with.
#[derive(Debug)]
pub(crate) struct Settings {
    /// The latency executions take, already raised by `slow`.
    pub(crate) latency: Duration,
    pub(crate) faults: ActiveFaults,
    pub(crate) dialects: ActiveDialects,
    pub(crate) scenarios: ActiveScenarios,
    /// A test's hold: executions it holds stay queued.
    pub(crate) hold: Option<Hold>,
}

impl Settings {
    /// Whether a test's hold keeps execution `id` queued.
    fn is_held(&self, id: &str) -> bool {
        self.hold.as_ref().is_some_and(|hold| hold.holds(id))
    }

    /// Tells a test's hold what happened, if there is one.
    fn tell_hold(&self, event: impl FnOnce() -> HoldEvent) {
        if let Some(hold) = &self.hold {
            hold.record(event());
        }
    }

    /// How long an execution takes to reach its outcome: the latency, and
    /// a second more under `slow-completion`.
    pub(crate) fn execution_latency(&self) -> Duration {
        if self.faults.has(&Fault::SlowCompletion) {
            self.latency.saturating_add(Duration::from_secs(1))
        } else {
            self.latency
        }
    }
}

/// The status of an execution as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Queued,
    Completed,
    Failed,
    Superseded,
}

impl Stage {
    /// The status the API names this stage by.
    fn name(self) -> &'static str {
        match self {
            Stage::Queued => "queued",
            Stage::Completed => "completed",
            Stage::Failed => "failed",
            Stage::Superseded => "superseded",
        }
    }
}

#[derive(Debug)]
struct Execution {
    account: AccountId,
    conversation_id: String,
    /// The account whose conversation it is in: its own, but another's
    /// when `cross-account-supersede` joined that one.
    owner: AccountId,
    created: Instant,
    created_wall: SystemTime,
    /// The terminal status it reaches when its latency has passed.
    outcome: Stage,
    stage: Stage,
    /// Reads that saw it completed (for `terminal-flaps`).
    completed_reads: u32,
    /// Reads of any kind (for `rate-limited`).
    reads: u32,
    /// Reads that showed it in progress (for `processing-status`).
    in_progress_reads: u32,
    /// Whether its execute named a conversationId (continued one).
    continued: bool,
    /// Arrived from elsewhere under the `superseded` scenario: never
    /// returned to a client, and not superseded from elsewhere in turn.
    from_elsewhere: bool,
    /// A read was refused under the `unavailable` scenario.
    read_refused: bool,
}

#[derive(Debug, Default)]
struct Conversation {
    /// Executions not yet seen terminal, oldest first.
    running: Vec<String>,
}

/// A conversation is its owner's: under `echo-conversation-id` two
/// accounts may each have one under the same id.
type ConversationKey = (AccountId, String);

/// Conversations and executions of all accounts.
#[derive(Debug, Default)]
pub(crate) struct Store {
    conversations: HashMap<ConversationKey, Conversation>,
    executions: HashMap<String, Execution>,
    completions: Vec<Completion>,
    last_execution: u64,
    last_conversation: u64,
}

/// An execute request that passed validation.
#[derive(Debug, Clone)]
pub(crate) struct NewExecution {
    pub(crate) account: AccountId,
    pub(crate) conversation_id: Option<String>,
    pub(crate) fails: bool,
}

/// The ids of a new execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Created {
    pub(crate) conversation_id: String,
    pub(crate) execution_id: String,
    /// The number in `exec_<number>`.
    pub(crate) number: u64,
}

/// An execution as a read shows it, faults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExecutionView {
    pub(crate) conversation_id: String,
    pub(crate) execution_id: String,
    pub(crate) status: &'static str,
    pub(crate) response: Option<&'static str>,
    pub(crate) error: Option<&'static str>,
    /// Whether the status shown is terminal (completed, failed, superseded).
    pub(crate) terminal: bool,
}

impl Store {
    /// Creates an execution, superseding the older ones still queued in its
    /// conversation (latest wins).
    pub(crate) fn create(
        &mut self,
        request: NewExecution,
        clock: Clock,
        settings: &Settings,
    ) -> Result<Created, ApiError> {
        if self.executions.len() >= MAX_EXECUTIONS {
            return Err(ApiError::full());
        }
        let continued = request.conversation_id.is_some();
        let key = self.conversation_for(request.account, request.conversation_id, settings)?;
        // Settling the older ones may create executions from elsewhere
        // (`superseded`), so the new id is taken after.
        let newest_superseded = self.supersede_older(&key, clock, settings);
        self.last_execution += 1;
        let number = self.last_execution;
        let execution_id = format!("exec_{number}");
        let execution = Execution {
            account: request.account,
            conversation_id: key.1.clone(),
            owner: key.0,
            created: clock.now,
            created_wall: clock.wall,
            outcome: outcome(request.fails, settings),
            stage: Stage::Queued,
            completed_reads: 0,
            reads: 0,
            in_progress_reads: 0,
            continued,
            from_elsewhere: false,
            read_refused: false,
        };
        self.executions.insert(execution_id.clone(), execution);
        if let Some(conversation) = self.conversations.get_mut(&key) {
            conversation.running.push(execution_id.clone());
        }
        if newest_superseded {
            self.supersede(&execution_id, clock.wall);
        }
        settings.tell_hold(|| HoldEvent::Accepted {
            execution_id: execution_id.clone(),
            conversation_id: key.1.clone(),
            continued,
        });
        Ok(Created {
            conversation_id: key.1,
            execution_id,
            number,
        })
    }

    /// Supersedes the executions still queued in a conversation, as a newer
    /// one arrives; returns whether the newer one is to be superseded instead
    /// (`newest-superseded`).
    fn supersede_older(
        &mut self,
        key: &ConversationKey,
        clock: Clock,
        settings: &Settings,
    ) -> bool {
        let faults = &settings.faults;
        let older = self.running_in(key, clock.now, settings);
        if faults.has(&Fault::NewestSuperseded) {
            return !older.is_empty();
        }
        if !faults.has(&Fault::NoLatestWins) {
            for id in older {
                self.supersede(&id, clock.wall);
            }
        }
        if faults.has(&Fault::CrossConversationSupersede) {
            let others: Vec<ConversationKey> = self
                .conversations
                .keys()
                .filter(|other| *other != key && other.0 == key.0)
                .cloned()
                .collect();
            for other in others {
                for id in self.running_in(&other, clock.now, settings) {
                    // Executions bound to fail keep failing, so the fault
                    // shows only where isolation is checked.
                    let fails = self
                        .executions
                        .get(&id)
                        .is_some_and(|e| e.outcome == Stage::Failed);
                    if !fails {
                        self.supersede(&id, clock.wall);
                    }
                }
            }
        }
        false
    }

    /// Returns the conversation an execute joins, creating it when needed.
    ///
    /// A `requested` id of this account is joined. An id that exists nowhere
    /// starts a new conversation under that id, so that clients choosing
    /// their own ids keep latest-wins. An id of another account is not
    /// revealed: a new conversation with a fresh id starts instead, or one
    /// under that same id (`echo-conversation-id`); the execute is refused
    /// under `invalid-conversation-id` (which also refuses an id that
    /// exists nowhere), and `cross-account-supersede` joins the other's.
    fn conversation_for(
        &mut self,
        account: AccountId,
        requested: Option<String>,
        settings: &Settings,
    ) -> Result<ConversationKey, ApiError> {
        let Some(id) = requested else {
            let fresh = self.fresh_conversation_id();
            return Ok(self.start_conversation(account, fresh));
        };
        let own = (account, id);
        if self.conversations.contains_key(&own) {
            return Ok(own);
        }
        let (account, id) = own;
        let foreign = AccountId::ALL
            .into_iter()
            .find(|owner| self.conversations.contains_key(&(*owner, id.clone())));
        if let Some(owner) = foreign.filter(|_| settings.faults.has(&Fault::CrossAccountSupersede))
        {
            return Ok((owner, id));
        }
        let dialects = &settings.dialects;
        if dialects.has(Dialect::InvalidConversationId) {
            return Err(ApiError::bad_request("Invalid conversationId"));
        }
        let id = if foreign.is_some() && !dialects.has(Dialect::EchoConversationId) {
            self.fresh_conversation_id()
        } else {
            id
        };
        Ok(self.start_conversation(account, id))
    }

    fn start_conversation(&mut self, account: AccountId, id: String) -> ConversationKey {
        let key = (account, id);
        self.conversations
            .insert(key.clone(), Conversation::default());
        key
    }

    /// A `conv_<n>` id that no account's conversation has.
    fn fresh_conversation_id(&mut self) -> String {
        loop {
            self.last_conversation += 1;
            let id = format!("conv_{}", self.last_conversation);
            let taken = AccountId::ALL
                .into_iter()
                .any(|owner| self.conversations.contains_key(&(owner, id.clone())));
            if !taken {
                return id;
            }
        }
    }

    /// Settles the executions of a conversation and returns those still queued.
    fn running_in(
        &mut self,
        key: &ConversationKey,
        now: Instant,
        settings: &Settings,
    ) -> Vec<String> {
        let ids = match self.conversations.get_mut(key) {
            Some(conversation) => std::mem::take(&mut conversation.running),
            None => return Vec::new(),
        };
        let mut running: Vec<String> = ids
            .into_iter()
            .filter(|id| self.settle(id, now, settings) == Some(Stage::Queued))
            .collect();
        // Settling may have added executions from elsewhere (`superseded`).
        let added = self
            .conversations
            .get_mut(key)
            .map(|conversation| std::mem::take(&mut conversation.running))
            .unwrap_or_default();
        running.extend(
            added
                .into_iter()
                .filter(|id| self.settle(id, now, settings) == Some(Stage::Queued)),
        );
        if let Some(conversation) = self.conversations.get_mut(key) {
            conversation.running.clone_from(&running);
        }
        running
    }

    /// Under the `superseded` scenario, supersedes a client's execution
    /// still queued half its latency after its creation by a newer message
    /// of its conversation arriving from elsewhere then; the newer one is
    /// never returned to the client and completes on its own.
    fn supersede_from_elsewhere(&mut self, id: &str, now: Instant, settings: &Settings) {
        if !settings.scenarios.has(Scenario::Superseded) {
            return;
        }
        // The newer message comes by the clock: a held execution is kept
        // from it as from ending, and meets it at its first read once let go.
        if settings.is_held(id) {
            return;
        }
        let Some(execution) = self.executions.get(id) else {
            return;
        };
        let half = settings.latency / 2;
        let queued = execution.stage == Stage::Queued && !execution.from_elsewhere;
        if !queued || now.saturating_duration_since(execution.created) < half {
            return;
        }
        let created = execution.created.checked_add(half).unwrap_or(now);
        let created_wall = execution
            .created_wall
            .checked_add(half)
            .unwrap_or(execution.created_wall);
        let newer = Execution {
            account: execution.account,
            conversation_id: execution.conversation_id.clone(),
            owner: execution.owner,
            created,
            created_wall,
            outcome: outcome(false, settings),
            stage: Stage::Queued,
            completed_reads: 0,
            reads: 0,
            in_progress_reads: 0,
            continued: true,
            from_elsewhere: true,
            read_refused: false,
        };
        self.last_execution += 1;
        let newer_id = format!("exec_{}", self.last_execution);
        let key = (newer.owner, newer.conversation_id.clone());
        if let Some(conversation) = self.conversations.get_mut(&key) {
            conversation.running.push(newer_id.clone());
        }
        self.executions.insert(newer_id.clone(), newer);
        self.supersede(id, created_wall);
        self.settle(&newer_id, now, settings);
    }

    /// Moves an execution to its outcome once its latency has passed,
    /// recording the completion once; returns its stage.
    fn settle(&mut self, id: &str, now: Instant, settings: &Settings) -> Option<Stage> {
        self.supersede_from_elsewhere(id, now, settings);
        let latency = settings.execution_latency();
        let execution = self.executions.get_mut(id)?;
        let due = now.saturating_duration_since(execution.created) >= latency;
        let ends = due && !settings.faults.has(&Fault::NeverFinishes) && !settings.is_held(id);
        if execution.stage == Stage::Queued && ends {
            execution.stage = execution.outcome;
            self.completions.push(Completion {
                execution_id: id.to_string(),
                status: execution.outcome.name(),
                created_at: execution.created_wall,
                completed_at: execution
                    .created_wall
                    .checked_add(latency)
                    .unwrap_or(execution.created_wall),
            });
        }
        Some(execution.stage)
    }

    fn supersede(&mut self, id: &str, wall: SystemTime) {
        if let Some(execution) = self.executions.get_mut(id) {
            if execution.stage == Stage::Queued {
                execution.stage = Stage::Superseded;
                self.completions.push(Completion {
                    execution_id: id.to_string(),
                    status: Stage::Superseded.name(),
                    created_at: execution.created_wall,
                    completed_at: wall,
                });
            }
        }
    }

    /// Returns the completions recorded so far, in the order they were seen.
    pub(crate) fn completions(&self) -> &[Completion] {
        &self.completions
    }

    /// Settles every queued execution due by `now`.
    pub(crate) fn settle_all(&mut self, now: Instant, settings: &Settings) {
        let queued: Vec<String> = self
            .executions
            .iter()
            .filter(|(_, execution)| execution.stage == Stage::Queued)
            .map(|(id, _)| id.clone())
            .collect();
        for id in queued {
            self.settle(&id, now, settings);
        }
    }

    /// Reads execution `id` for `account`.
    /// The execution `id` if it has ended, whoever asks (what a cache in
    /// front of the API would serve).
    pub(crate) fn finished(
        &mut self,
        id: &str,
        now: Instant,
        settings: &Settings,
    ) -> Option<ExecutionView> {
        let stage = self.settle(id, now, settings)?;
        let execution = self.executions.get(id)?;
        let shown = (stage != Stage::Queued).then(|| view(id, execution, stage, settings))?;
        settings.tell_hold(|| HoldEvent::Read {
            execution_id: id.to_string(),
            status: shown.status,
        });
        Some(shown)
    }

    pub(crate) fn read(
        &mut self,
        account: AccountId,
        id: &str,
        now: Instant,
        settings: &Settings,
    ) -> Result<ExecutionView, ApiError> {
        let faults = &settings.faults;
        let Some(execution) = self.executions.get_mut(id) else {
            return Err(if faults.has(&Fault::UnknownExecution404) {
                ApiError::not_found()
            } else {
                invalid_execution()
            });
        };
        // An execution another account's message put in this account's
        // conversation (`cross-account-supersede`) is read as this one's:
        // that is what mixing the accounts' conversations shows.
        let readable = execution.account == account || execution.owner == account;
        if !readable && !faults.has(&Fault::CrossAccountVisible) {
            return Err(invalid_execution());
        }
        execution.reads = execution.reads.saturating_add(1);
        if settings.scenarios.has(Scenario::Unavailable) && !execution.read_refused {
            execution.read_refused = true;
            return Err(unavailable());
        }
        if faults.has(&Fault::RateLimited) && execution.reads <= 2 {
            return Err(rate_limited());
        }
        let stage = self.settle(id, now, settings).unwrap_or(Stage::Queued);
        let execution = self.executions.get_mut(id).ok_or_else(invalid_execution)?;
        match stage {
            Stage::Completed => {
                execution.completed_reads = execution.completed_reads.saturating_add(1);
            }
            Stage::Queued => {
                execution.in_progress_reads = execution.in_progress_reads.saturating_add(1);
            }
            Stage::Failed | Stage::Superseded => {}
        }
        let shown = view(id, execution, stage, settings);
        settings.tell_hold(|| HoldEvent::Read {
            execution_id: id.to_string(),
            status: shown.status,
        });
        Ok(shown)
    }
}

/// The terminal status a new execution reaches: `failed` when its message
/// asks for it, under `always-fails` or under the `failed` scenario.
fn outcome(fails: bool, settings: &Settings) -> Stage {
    let failed = fails
        || settings.faults.has(&Fault::AlwaysFails)
        || settings.scenarios.has(Scenario::Failed);
    if failed {
        Stage::Failed
    } else {
        Stage::Completed
    }
}

fn invalid_execution() -> ApiError {
    ApiError::bad_request("Invalid executionId for this account")
}

/// `429` with `Retry-After: 1`, as `rate-limited` and `unavailable` answer.
pub(crate) fn rate_limited() -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many requests, retry later",
    )
    .with_header(header::RETRY_AFTER, HeaderValue::from_static("1"))
}

/// `503` with `Retry-After: 1`, as `unavailable` answers a first read.
fn unavailable() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "Service temporarily unavailable, retry later",
    )
    .with_header(header::RETRY_AFTER, HeaderValue::from_static("1"))
}

fn view(id: &str, execution: &Execution, stage: Stage, settings: &Settings) -> ExecutionView {
    let faults = &settings.faults;
    // Under `processing-status` the first read still sees it queued.
    let processing =
        settings.dialects.has(Dialect::ProcessingStatus) && execution.in_progress_reads > 1;
    let queued = if faults.has(&Fault::UndocumentedStatus) || processing {
        "processing"
    } else {
        "queued"
    };
    let flaps = faults.has(&Fault::TerminalFlaps);
    let flapped = flaps && stage == Stage::Completed && execution.completed_reads == 2;
    let (status, response, error) = match stage {
        Stage::Queued => (queued, None, None),
        Stage::Completed if flapped => (queued, None, None),
        Stage::Completed if faults.has(&Fault::CompletedWithoutResponse) => {
            ("completed", None, None)
        }
        Stage::Completed if flaps && execution.completed_reads > 2 => {
            ("completed", Some(ANSWER_AGAIN), None)
        }
        Stage::Completed if settings.scenarios.has(Scenario::LongAnswer) => {
            ("completed", Some(LONG_ANSWER.as_str()), None)
        }
        Stage::Completed => ("completed", Some(ANSWER), None),
        Stage::Failed => ("failed", None, Some(FAILURE)),
        Stage::Superseded if faults.has(&Fault::SupersededRevives) && execution.reads > 2 => {
            ("completed", Some(ANSWER), None)
        }
        Stage::Superseded if faults.has(&Fault::SupersededWithResponse) => {
            ("superseded", Some(ANSWER), None)
        }
        Stage::Superseded => ("superseded", None, None),
    };
    let mut conversation_id = execution.conversation_id.clone();
    let mut execution_id = id.to_string();
    if faults.has(&Fault::ConversationIdChanges) {
        conversation_id.push('0');
    }
    // Two reads, not one: another check may read the execution once before
    // the one that polls it does (latest-wins reads the run's plain execution
    // while it overlaps it), and the poller must still see the fault. Only
    // an execution that started its conversation: the fault is in reads of
    // a new conversation's first execution.
    if faults.has(&Fault::PollIdsWrongOnce)
        && !execution.continued
        && stage == Stage::Queued
        && (1..=2).contains(&execution.reads)
    {
        conversation_id.push_str("_other");
        execution_id.push_str("_other");
    }
    ExecutionView {
        conversation_id,
        execution_id,
        status,
        response,
        error,
        terminal: stage != Stage::Queued && !flapped,
    }
}
