//! `wapzi-homolog client`: homologates the integrator's backend. The
//! sandbox (or a recorder in front of the real API) is the counterpart;
//! every call the client makes is recorded, then graded by the client
//! checks into the same result model, verdicts and reports as `run`.

mod command;
mod counterpart;
mod live;
mod tree;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::app::error::{AppError, UsageError};
use crate::assemble::new_run_id;
use crate::check::CheckSet;
use crate::cli::{ClientArgs, ColorChoice};
use crate::exit;
use crate::grade::{self, ClientFacts, ClientTimes, GradeContext};
use crate::interrupt::{self, Signal};
use crate::recording::Recording;
use crate::report::RecordSettings;
use crate::result::{RunResult, Target};
use crate::sandbox::{Scenario, FIXTURES};
use crate::secret::{Redactor, Secret};
use crate::waiver::Waivers;

use super::known_secrets::{known_secrets, DEFAULT_CHECKS_DIR};
use super::run_options::check_sources;
use super::{names, runtime, stdout};
use command::{run_command, CommandRun};
use counterpart::Counterpart;

/// Where a client run's reports go unless `--reports` says: apart from
/// `run`'s, so one CI job can keep both sides' `latest/`.
const DEFAULT_REPORTS_DIR: &str = "reports/client";

/// Serves the counterpart, lets the client call it (through COMMAND, or
/// until stopped), grades the calls and returns the gate's exit code:
/// resolve, execute (the client meets the counterpart), assemble (grade),
/// emit.
pub fn client(args: ClientArgs) -> Result<u8, AppError> {
    if args.list_scenarios {
        list_scenarios(args.json());
        return Ok(exit::READY);
    }
    let env = |name: &str| std::env::var(name).ok();
    let resolved = resolve(&args, &env)?;
    let rt = runtime()?;
    let run_id = new_run_id(SystemTime::now());
    let session = execute(&args, &resolved, &rt, &env)?;
    let (result, redactor, canary) = assemble(&args, &resolved, session, &run_id, &env);
    emit(&args, &resolved, &result, redactor, &canary)
}

/// `--list-scenarios`: each scenario, and whether it works `--upstream`.
fn list_scenarios(json: bool) {
    for info in Scenario::ALL {
        let upstream = info
            .name
            .parse::<Scenario>()
            .is_ok_and(Scenario::works_upstream);
        if json {
            let event = serde_json::json!({
                "type": "scenario",
                "name": info.name,
                "description": info.description,
                "upstream": upstream,
            });
            stdout::line(event);
        } else {
            let where_ = if upstream { "+upstream" } else { "" };
            stdout::line(format_args!(
                "{:<20} {:<10} {}",
                info.name, where_, info.description
            ));
        }
    }
    if !json {
        stdout::line(
            "\nEvery scenario works against the sandbox; with --upstream the recorder presents those marked +upstream itself (those calls are not forwarded) and refuses the others.",
        );
    }
}

/// What a client run was asked for, resolved before anything is served:
/// the counterpart, every secret to redact, the checks, the reports'
/// recording and the waivers.
struct Resolved {
    counterpart: Counterpart,
    secrets: Vec<Secret>,
    set: CheckSet,
    record: RecordSettings,
    waivers: Waivers,
}

/// Reads `args` and the files they name; refuses (exit 2) a set without
/// client checks.
fn resolve(args: &ClientArgs, env: &dyn Fn(&str) -> Option<String>) -> Result<Resolved, AppError> {
    super::configure_colour(args.color.and_then(ColorChoice::forced));
    let counterpart = Counterpart::from_args(args, env)?;
    let mut secrets = counterpart.secrets(env);
    // A key written in the command's arguments is echoed and reported
    // redacted, even one the run was never told.
    secrets.extend(command_credentials(&args.command));
    let checks = check_sources(&args.checks, Path::new(DEFAULT_CHECKS_DIR));
    let set = super::known_secrets::load_checks_from(&checks.value, &known_secrets(None, env))?;
    if set.client_checks.is_empty() {
        return Err(UsageError::NoClientChecks {
            sources: describe_sources(&checks.value),
        }
        .into());
    }
    let (record, waivers) = super::record::record_settings(&args.record)?;
    Ok(Resolved {
        counterpart,
        secrets,
        set,
        record,
        waivers,
    })
}

/// What the client did: the calls recorded, where it called, how the
/// command (or the serving) ended, and when.
struct Session {
    recording: Recording,
    base_url: String,
    met: Met,
    times: ClientTimes,
    /// The signals received before grading began: one after them stops it.
    signals_before_grading: usize,
}

/// Serves the counterpart and lets the client meet it; the recording is
/// kept even when the command could not be run (the error is returned
/// after the counterpart is shut down).
fn execute(
    args: &ClientArgs,
    resolved: &Resolved,
    rt: &tokio::runtime::Runtime,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Session, AppError> {
    let (counterpart, secrets) = (&resolved.counterpart, &resolved.secrets);
    let signals = interrupt::watch(rt);
    if args.command.is_empty() {
        // The first signal says the client is done; the next stops grading.
        interrupt::tolerate_another();
    }
    let started_at = SystemTime::now();
    let served = rt.block_on(counterpart.start(args.port, env))?;
    // Redacted before anything is cut: a key straddling a cut leaves no part.
    served.recorder().know(secrets);
    if args.verbose {
        served.recorder().watch(live::printer(secrets.clone()));
    }
    let base_url = served.base_url();
    let shown = Redactor::new(secrets);
    let met = rt.block_on(meet(args, counterpart, &base_url, &shown, signals));
    let recording: Recording = rt.block_on(served.shutdown());
    let times = ClientTimes {
        started_at,
        finished_at: SystemTime::now(),
    };
    Ok(Session {
        recording,
        base_url,
        met: met?,
        times,
        signals_before_grading: interrupt::signals_received(),
    })
}

/// Grades the session into the run's result; with the redactor over every
/// secret grading knew of and the leak canary's.
fn assemble(
    args: &ClientArgs,
    resolved: &Resolved,
    session: Session,
    run_id: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> (RunResult, Redactor, Redactor) {
    let counterpart = &resolved.counterpart;
    let entry_point_id = counterpart.entry_point_id(env);
    let signals_before_grading = session.signals_before_grading;
    // Every variable client checks may use (CLIENT_VARIABLES) has a value;
    // an empty entry point (`--upstream` without WAPZI_ENTRY_POINT_ID)
    // matches no call, so a check that names it ends ignored, not failed.
    let context = GradeContext::new(&resolved.secrets)
        .with_variable(
            "min_poll_interval",
            &humantime::format_duration(args.min_poll_interval).to_string(),
        )
        .with_variable("entry_point_id", &entry_point_id)
        .with_variable("run_id", run_id)
        .with_stop(move || interrupt::signal_since(signals_before_grading));
    let facts = ClientFacts {
        command: (!args.command.is_empty()).then(|| args.command.clone()),
        command_exit: session.met.command.as_ref().map(|c| c.exit.clone()),
        scenarios: names(&args.scenarios),
        upstream: counterpart.upstream_url(),
        interrupted: session.met.interrupted,
        // Set from the recording when it is graded.
        calls_truncated: 0,
        waivers: resolved.waivers.clone(),
    };
    let target = Target {
        base_url: session.base_url,
        entry_point_id,
        sandbox: counterpart.is_sandbox(),
        faults: names(&args.behaviour.faults),
        dialects: names(&args.behaviour.dialects),
        fixtures_supplied: Vec::new(),
        tls: None,
        proxy: None,
    };
    // The keys the client sent are secrets too, whatever the counterpart:
    // the redactor grading built knows them.
    grade::assemble_client(
        &resolved.set,
        &session.recording,
        &context,
        facts,
        session.times,
        run_id,
        target,
    )
}

/// Prints the graded checks and the verdict, writes the reports; the
/// gate's exit code.
fn emit(
    args: &ClientArgs,
    resolved: &Resolved,
    result: &RunResult,
    redactor: Redactor,
    canary: &Redactor,
) -> Result<u8, AppError> {
    let redactor = std::sync::Arc::new(redactor);
    super::run_checks::print_graded(result, &redactor, &args.libtest());
    let code = u8::try_from(result.exit_code).unwrap_or(exit::NOT_READY);
    if !args.no_reports {
        let root = args
            .reports
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_REPORTS_DIR));
        super::run_checks::write_reports(
            result,
            root,
            (&redactor, canary),
            args.json(),
            &resolved.record,
        )?;
    }
    Ok(code)
}

/// Lets the client meet the counterpart at `base_url`: runs the COMMAND,
/// or serves until stopped. What is printed goes through `shown` (a key
/// written in the command's arguments is not echoed).
async fn meet(
    args: &ClientArgs,
    counterpart: &Counterpart,
    base_url: &str,
    shown: &Redactor,
    signals: tokio::sync::watch::Receiver<Option<Signal>>,
) -> Result<Met, AppError> {
    if args.command.is_empty() {
        announce_serving(counterpart, base_url, args.serve_for, args.json());
        serve_until_stopped(args.serve_for, signals).await;
        return Ok(Met::default());
    }
    eprintln!(
        "{}",
        shown.redact(&format!(
            "client: {} at {base_url}; running `{}`",
            counterpart.describe(),
            args.command.join(" ")
        ))
    );
    let mut env = counterpart.command_env(base_url);
    let proxy = Proxying::of(&|name: &str| std::env::var(name).ok());
    env.extend(proxy.no_proxy());
    if let Some(note) = proxy.note() {
        eprintln!("{}", shown.redact(&note));
    }
    let adopted = tree::adopt_orphans();
    let ran = run_command(
        &args.command,
        &env,
        args.deadline,
        signals,
        args.json(),
        adopted,
    )
    .await?;
    Ok(Met::from(ran))
}

/// The proxy settings of the environment the COMMAND inherits: the
/// recorder is plain HTTP on loopback, and many clients (curl, Python)
/// send even loopback calls through `HTTP_PROXY` unless `NO_PROXY` says.
#[derive(Debug, Default, PartialEq, Eq)]
struct Proxying {
    /// The proxy variables set (and not empty), by name.
    set: Vec<&'static str>,
    /// `NO_PROXY` and `no_proxy` as they were, joined.
    no_proxy: Vec<String>,
}

/// The proxy variables clients honour.
const PROXY_VARS: [&str; 6] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// What `NO_PROXY` gets so that calls to the recorder go direct.
const LOOPBACK: [&str; 3] = ["127.0.0.1", "localhost", "::1"];

impl Proxying {
    fn of(env: &dyn Fn(&str) -> Option<String>) -> Proxying {
        let set = PROXY_VARS
            .into_iter()
            .filter(|name| env(name).is_some_and(|v| !v.trim().is_empty()))
            .collect();
        let mut no_proxy: Vec<String> = Vec::new();
        for name in ["NO_PROXY", "no_proxy"] {
            for host in env(name).unwrap_or_default().split(',') {
                let host = host.trim();
                if !host.is_empty() && !no_proxy.iter().any(|h| h == host) {
                    no_proxy.push(host.to_string());
                }
            }
        }
        Proxying { set, no_proxy }
    }

    /// `NO_PROXY` and `no_proxy` for the command: what they held, and the
    /// loopback names.
    fn no_proxy(&self) -> Vec<(String, String)> {
        let mut hosts = self.no_proxy.clone();
        for host in LOOPBACK {
            if !hosts.iter().any(|h| h == host) {
                hosts.push(host.to_string());
            }
        }
        let value = hosts.join(",");
        vec![
            ("NO_PROXY".to_string(), value.clone()),
            ("no_proxy".to_string(), value),
        ]
    }

    /// What to tell the person when a proxy is set.
    fn note(&self) -> Option<String> {
        (!self.set.is_empty()).then(|| {
            format!(
                "client: {} set in the environment: the command gets NO_PROXY={} so its calls reach the recorder directly; a client that ignores NO_PROXY sends them (with its key) to the proxy, and they are not recorded",
                self.set.join(", "),
                LOOPBACK.join(",")
            )
        })
    }
}

/// `./checks`, `builtin`, ... as the person named them.
fn describe_sources(sources: &[crate::check::CheckSource]) -> String {
    let names: Vec<String> = sources
        .iter()
        .map(|s| match s {
            crate::check::CheckSource::Builtin => "the built-in checks".to_string(),
            crate::check::CheckSource::Path(path) => path.display().to_string(),
        })
        .collect();
    names.join(", ")
}

/// What happened while the client ran.
#[derive(Debug, Default)]
struct Met {
    command: Option<CommandRun>,
    interrupted: Option<Signal>,
}

impl From<CommandRun> for Met {
    fn from(ran: CommandRun) -> Met {
        Met {
            interrupted: ran.interrupted,
            command: Some(ran),
        }
    }
}

/// Without a COMMAND, a signal is how the person says the client is done:
/// it ends the serving, and the calls are graded as usual.
async fn serve_until_stopped(
    serve_for: Option<Duration>,
    signals: tokio::sync::watch::Receiver<Option<Signal>>,
) {
    let stopped = interrupt::interrupted(signals);
    match serve_for {
        Some(duration) => {
            tokio::select! {
                () = tokio::time::sleep(duration) => {}
                _ = stopped => {}
            }
        }
        None => {
            stopped.await;
        }
    }
}

/// Where to call the counterpart, on stdout; on stderr when stdout is JSON
/// lines only (`json`).
fn announce_serving(
    counterpart: &Counterpart,
    base_url: &str,
    serve_for: Option<Duration>,
    json: bool,
) {
    let until = match serve_for {
        Some(d) => format!("for {} (or until Ctrl-C)", humantime::format_duration(d)),
        None => "until Ctrl-C or SIGTERM".to_string(),
    };
    let text = format!(
        "{}\nRecording your client's calls {until}; then they are graded.",
        counterpart.describe_for_person(base_url)
    );
    if json {
        eprintln!("{text}");
    } else {
        stdout::line(text);
    }
}

/// The values in `argv` given under a credential's name, in any argument
/// and in any word of one (a script after `sh -c`): `--api-key V`,
/// `--token=V`, `API_KEY=V`, `WAPZI_API_KEY=V`, a header after `-H` or
/// `--header` (`x-api-key: V`, `Authorization: Bearer V`) and a URL's
/// query (`?api_key=V`), curl's `-u user:V` and a URL's `user:V@`, and
/// anything shaped like a Wapzi key. Too short a value is no key, and is
/// left.
fn command_credentials(argv: &[String]) -> Vec<Secret> {
    let words: Vec<&str> = argv.iter().flat_map(|arg| shell_words(arg)).collect();
    let mut found: Vec<&str> = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let next = words.get(i + 1).copied();
        let word = word
            .strip_prefix("--header=")
            .or_else(|| word.strip_prefix("-H").filter(|w| !w.is_empty()))
            .unwrap_or(word);
        if let Some((name, value)) = word.split_once(':').filter(|(n, _)| !n.contains('/')) {
            if name.eq_ignore_ascii_case("authorization") || is_credential_name(name) {
                let value = Some(value).filter(|v| !v.is_empty()).or(next);
                let value = match (value, words.get(i + 2)) {
                    (Some(scheme), Some(token)) if is_auth_scheme(scheme) => Some(*token),
                    (value, _) => value,
                };
                found.extend(value);
                continue;
            }
        }
        found.extend(basic_auth_password(word, next));
        let query = word.split_once('?').map_or(word, |(_, q)| q);
        for pair in query.split(['&', ';']) {
            match pair.split_once('=') {
                Some((name, value)) if is_credential_name(name) => found.push(value),
                Some(_) => {}
                None if word.starts_with('-') && is_credential_name(word) => {
                    found.extend(next);
                }
                None => {}
            }
        }
    }
    let shaped = words
        .iter()
        .flat_map(|word| crate::recording::key_shaped(word.as_bytes()));
    let mut secrets: Vec<Secret> = Vec::new();
    let values = found.into_iter().map(|v| unquoted(v).to_string());
    for value in values.chain(shaped) {
        match Secret::new(&value, "a key in the command") {
            Ok(secret) if !secrets.contains(&secret) => secrets.push(secret),
            _ => {}
        }
    }
    secrets
}

/// The password of `user:password` given to curl's `-u`/`--user` (in
/// `word` or, after the bare option, in `next`), or in a URL's userinfo
/// (`https://user:password@host/`).
fn basic_auth_password<'a>(word: &'a str, next: Option<&'a str>) -> Option<&'a str> {
    let user = match word {
        "-u" | "--user" => next,
        _ => word
            .strip_prefix("--user=")
            .or_else(|| word.strip_prefix("-u").filter(|w| !w.is_empty()))
            .or_else(|| {
                let (_, rest) = word.split_once("://")?;
                let authority = rest.split(['/', '?', '#']).next()?;
                authority.rsplit_once('@').map(|(userinfo, _)| userinfo)
            }),
    }?;
    user.split_once(':').map(|(_, password)| password)
}

/// The words of `arg` as a shell would see them, roughly: split at
/// whitespace, quotes and `;` stripped from either end.
fn shell_words(arg: &str) -> impl Iterator<Item = &str> {
    arg.split_whitespace()
        .map(unquoted)
        .filter(|w| !w.is_empty())
}

/// `word` without the quotes, `;`, backticks and parentheses around it.
fn unquoted(word: &str) -> &str {
    word.trim_matches(|c| matches!(c, '\'' | '"' | ';' | '`' | '(' | ')'))
}

/// Whether `name` (an option, a variable, a header or a query parameter)
/// names a credential: one [`crate::recording::credential_name`] knows,
/// or one ending like a key's (`WAPZI_API_KEY`, `MY_TOKEN`).
fn is_credential_name(name: &str) -> bool {
    let name = name.trim_start_matches('-');
    if crate::recording::credential_name(name).is_some() {
        return true;
    }
    let flat: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    ["apikey", "apisecret", "token", "secret", "password"]
        .iter()
        .any(|end| flat.ends_with(end))
}

/// `Bearer`, `Basic`, `Token`, `ApiKey`: the word before a token.
fn is_auth_scheme(word: &str) -> bool {
    ["bearer", "basic", "token", "apikey"]
        .iter()
        .any(|s| word.eq_ignore_ascii_case(s))
}

/// The sandbox's keys are secrets in a client run too: the reports treat
/// every key alike.
fn sandbox_secrets() -> Vec<Secret> {
    [
        FIXTURES.api_key,
        FIXTURES.previous_api_key,
        FIXTURES.inactive_api_key,
        FIXTURES.other_api_key,
    ]
    .iter()
    .filter_map(|k| Secret::new(k, "sandbox key").ok())
    .collect()
}

#[cfg(test)]
mod tests {
    use super::command_credentials;

    #[test]
    fn a_key_in_the_commands_arguments_is_found_under_its_name() {
        const KEY: &str = "ak_in0the0command0line00000000000001";
        let argv: Vec<String> = [
            "./e2e.sh",
            "--api-key",
            KEY,
            "--token=tok_0000000000000000000000000002",
            "API_KEY=ak_0000000000000000000000000000003",
            "--verbose",
            "--message=hello0there0this0is0not0a0key",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        let found: Vec<String> = command_credentials(&argv)
            .iter()
            .map(|s| s.expose().to_string())
            .collect();
        assert_eq!(
            found,
            [
                KEY,
                "tok_0000000000000000000000000002",
                "ak_0000000000000000000000000000003"
            ]
        );
    }

    #[test]
    fn a_key_in_a_header_option_a_url_or_a_script_is_found() {
        const KEY: &str = "ak_in0the0command0line00000000000001";
        let cases = [
            vec![format!("WAPZI_API_KEY={KEY}"), "./e2e.sh".into()],
            vec!["curl".into(), "-H".into(), format!("x-api-key: {KEY}")],
            vec!["curl".into(), format!("--header=x-api-key:{KEY}")],
            vec![
                "curl".into(),
                "-H".into(),
                format!("Authorization: Bearer {KEY}"),
            ],
            vec![
                "curl".into(),
                format!("http://h/v1/x?trace=1&api_key={KEY}"),
            ],
            vec![
                "sh".into(),
                "-c".into(),
                format!("WAPZI_API_KEY='{KEY}' ./e2e.sh && curl -H 'x-api-key: {KEY}' u"),
            ],
            vec!["curl".into(), "-u".into(), format!("user:{KEY}")],
            vec!["curl".into(), format!("--user=u:{KEY}")],
            vec!["curl".into(), format!("https://u:{KEY}@h/v1/x")],
            vec!["./e2e.sh".into(), KEY.into()],
            vec![
                "curl".into(),
                "-H".into(),
                format!("Cookie: s=1; api_key={KEY}"),
            ],
        ];
        for argv in cases {
            let found: Vec<String> = command_credentials(&argv)
                .iter()
                .map(|s| s.expose().to_string())
                .collect();
            assert!(!found.is_empty(), "{argv:?}");
            assert!(found.iter().all(|f| f == KEY), "{argv:?}: {found:?}");
        }
        let plain: Vec<String> = [
            "curl",
            "-H",
            "content-type: application/json",
            "https://example.com/v1/entry-points",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        assert!(command_credentials(&plain).is_empty());
    }
}
