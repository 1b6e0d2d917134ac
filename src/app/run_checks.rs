//! `wapzi-homolog run`: loads the checks, resolves the target (or starts the
//! sandbox), runs, prints the verdict and writes the reports.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use libtest_mimic::{Arguments, ColorSetting, FormatSetting};

use crate::app::error::{AppError, UsageError};
use crate::check::{builtin_text, CheckSet, CheckSource};
use crate::cli::{ColorChoice, OutputFormat, RunArgs};
use crate::result::{RunResult, Target};
use crate::run::{self, Observer, RunSettings, TargetSettings, Timeouts};
use crate::sandbox::{Sandbox, FIXTURES};
use crate::secret::{Redactor, Secret};
use crate::source::{Source, Sourced};
use crate::{exit, report};

use super::config::{resolve_target, ConfigError, TargetConfig, TargetSources};
use super::console::{Console, Mode};
use super::env_file::EnvFile;
use super::known_secrets::{known_secrets, load_checks_from, DEFAULT_CHECKS_DIR};
use super::run_options::{setting_lines, RunOptions};
use super::stdout::{self, Relay};
use super::term;
use super::{names, runtime, sandbox_config};

/// Runs the checks selected by `args` and returns the gate's exit code:
/// resolve what to run and against what, execute it, assemble the result,
/// emit the verdict and the reports.
pub fn run_checks(args: RunArgs) -> Result<u8, AppError> {
    let resolved = resolve(&args)?;
    let rt = runtime()?;
    let Some((config, sandbox)) = target_config(&args, &resolved, &rt)? else {
        return list(&resolved, &rt);
    };
    let prepared = prepare(&args, &resolved, config, &rt)?;
    let (executed, waived) = execute(&args, &resolved, &prepared, &rt)?;
    // A probe that panicked leaves no evidence, like one that failed.
    let mut target = prepared.target;
    target.tls = prepared
        .tls_probe
        .and_then(|probe| rt.block_on(probe).ok().flatten());
    if let Some(sandbox) = sandbox {
        rt.block_on(sandbox.shutdown());
    }
    let mut result = run::assemble(&resolved.set, executed, &resolved.run_id, target);
    crate::waiver::record(&mut result, waived);
    emit(&args, &resolved, &result, &prepared.redactor)
}

/// What a run was asked for, resolved before anything starts: the checks
/// and where they came from, the selection, the options, the reports'
/// recording, the environment file and libtest's arguments.
struct Resolved {
    set: CheckSet,
    checks: Sourced<Vec<CheckSource>>,
    selection: run::Selection,
    options: RunOptions,
    record: report::RecordSettings,
    waivers: crate::waiver::Waivers,
    env_file: EnvFile,
    run_id: String,
    libtest: Arguments,
}

/// Reads `args` and the files they name; refuses what cannot run (exit 2)
/// before a sandbox starts or a target is resolved.
fn resolve(args: &RunArgs) -> Result<Resolved, AppError> {
    // Decided once for everything printed, libtest's lines too.
    let colour = super::configure_colour(args.output.color.and_then(ColorChoice::forced));
    refuse_usage(args)?;
    let env_file = match &args.env_file {
        Some(path) => EnvFile::load(path)?,
        None => EnvFile::default(),
    };
    let env = |name: &str| {
        env_file
            .lookup_sourced(name, |n| std::env::var(n).ok())
            .map(|(value, _)| value)
    };
    let choice =
        super::checks_set::choose_checks(&args.checks, std::path::Path::new(DEFAULT_CHECKS_DIR));
    for note in &choice.notes {
        eprintln!("{note}");
    }
    let checks = choice.sources;
    let set = load_checks_from(&checks.value, &known_secrets(Some(args), &env))?;
    let selection = args.output.selection();
    refuse_unmatched(&selection, &set)?;
    let options = RunOptions::from_args(args);
    let (record, waivers) = super::record::record_settings(&args.record)?;
    Ok(Resolved {
        set,
        checks,
        selection,
        options,
        record,
        waivers,
        env_file,
        run_id: crate::assemble::new_run_id(SystemTime::now()),
        libtest: libtest_args(args, colour),
    })
}

/// Refuses (exit 2) flags that cannot go together in a run.
fn refuse_usage(args: &RunArgs) -> Result<(), UsageError> {
    if args.output.ignored || args.output.include_ignored {
        return Err(UsageError::IgnoredSelection);
    }
    if !args.sandbox && !args.sandbox_behaviour.dialects.is_empty() {
        return Err(UsageError::DialectWithoutSandbox);
    }
    Ok(())
}

/// libtest's arguments from `args`, coloured when the terminal is
/// (`colour`); a log file is coloured only when asked for.
fn libtest_args(args: &RunArgs, colour: bool) -> Arguments {
    let forced = args.output.color.and_then(ColorChoice::forced);
    let colour = colour && (args.output.logfile.is_none() || forced == Some(true));
    Arguments {
        color: Some(if colour {
            ColorSetting::Always
        } else {
            ColorSetting::Never
        }),
        ..args.output.libtest()
    }
}

/// The target's settings: the embedded sandbox's, started here (and
/// returned, to be shut down after the run), or those the flags, the
/// environment and the environment file give. `None` for `--list`, which
/// sends nothing.
fn target_config(
    args: &RunArgs,
    resolved: &Resolved,
    rt: &tokio::runtime::Runtime,
) -> Result<Option<(TargetConfig, Option<Sandbox>)>, AppError> {
    if args.output.list {
        return Ok(None);
    }
    if !args.sandbox {
        let sourced = |name: &str| {
            resolved
                .env_file
                .lookup_sourced(name, |n| std::env::var(n).ok())
        };
        let config = resolve_target(args, &resolved.set.catalog, &sourced)?;
        return Ok(Some((config, None)));
    }
    let config = sandbox_config(&args.sandbox_behaviour);
    let started = rt.block_on(Sandbox::start(([127, 0, 0, 1], 0).into(), config))?;
    let mut sandboxed = sandbox_target(started.base_url())?;
    // The sandbox supplies its own fixtures; a `--fixture` flag adds one
    // it does not (a budget such as `completion_budget`), and an
    // environment variable none, so a sandbox run stays the same anywhere.
    for (name, value) in super::config::fixture_flags(&args.fixtures, &resolved.set.catalog)? {
        if sandboxed.target.fixtures.contains_key(&name) {
            return Err(ConfigError::SuppliedBySandbox { name }.into());
        }
        sandboxed.target.fixtures.insert(name.clone(), value);
        sandboxed
            .sources
            .fixtures
            .insert(name, Source::Flag("--fixture"));
    }
    Ok(Some((sandboxed, Some(started))))
}

/// `--list`: libtest prints the names; nothing is sent.
fn list(resolved: &Resolved, rt: &tokio::runtime::Runtime) -> Result<u8, AppError> {
    let settings = listing_settings(&resolved.run_id)?;
    let relay = Relay::start(&resolved.libtest);
    let redactor = Arc::new(Redactor::new(&settings.secrets()));
    let plan = run::Plan {
        set: &resolved.set,
        settings: &settings,
        selection: &resolved.selection,
        redactor: &redactor,
    };
    run::execute(plan, relay.args(), rt, None)?;
    Ok(exit::READY)
}

/// What the run is given once its target is known: the runner's settings,
/// the redactor over every secret, the target as the reports describe it,
/// and the TLS probe running beside the checks.
struct Prepared {
    settings: RunSettings,
    redactor: Arc<Redactor>,
    target: Target,
    tls_probe: Option<tokio::task::JoinHandle<Option<crate::result::TlsFacts>>>,
}

/// The runner's settings for `config`, fitted to this machine; refuses
/// (exit 2) check files that hold one of the run's secrets.
fn prepare(
    args: &RunArgs,
    resolved: &Resolved,
    config: TargetConfig,
    rt: &tokio::runtime::Runtime,
) -> Result<Prepared, AppError> {
    let options = &resolved.options;
    super::config::check_duration_fixtures(&resolved.set, &config.target.fixtures)?;
    let mut target = target_of(&config, args);
    let env = |name: &str| std::env::var(name).ok();
    let proxy = run::choose_proxy(&config.target.base_url, &env)?;
    target.proxy = proxy.as_ref().map(|p| p.host.clone());
    let lines = if args.verbose > 0 {
        setting_lines(&config, &resolved.checks, options, proxy.as_ref())
    } else {
        Vec::new()
    };
    let mut settings = run_settings(config.target, options, resolved.run_id.clone(), proxy);
    let redactor = Arc::new(Redactor::new(&settings.secrets()));
    for line in lines {
        // Nothing here holds a secret's value; redacted all the same.
        eprintln!("{}", redactor.redact(&line));
    }
    fit_to_file_limit(&mut settings, args.sandbox)?;
    if settings.target.base_url.starts_with("https://") {
        settings.extra_roots = run::extra_roots(&env)?;
    }
    refuse_secrets_in_checks(&resolved.set.files, &redactor)?;
    // Evidence of the https target's TLS; nothing is sent on this connection.
    // It runs beside the checks, so a slow handshake delays none of them.
    // Through a proxy the target's TLS is reached by the tunnel only.
    let tls_probe = settings.proxy.is_none().then(|| {
        rt.spawn(run::probe_tls(
            settings.target.base_url.clone(),
            options.connect_timeout.value,
        ))
    });
    Ok(Prepared {
        settings,
        redactor,
        target,
        tls_probe,
    })
}

/// Runs the checks, libtest's lines and the console's as they end, and
/// applies the waivers to their results.
fn execute(
    args: &RunArgs,
    resolved: &Resolved,
    prepared: &Prepared,
    rt: &tokio::runtime::Runtime,
) -> Result<(run::Executed, Vec<crate::result::WaiverRecord>), AppError> {
    let console = console(args);
    let observer = console.clone().map(|c| c as Arc<dyn Observer>);
    let relay = Relay::start(&resolved.libtest);
    let plan = run::Plan {
        set: &resolved.set,
        settings: &prepared.settings,
        selection: &resolved.selection,
        redactor: &prepared.redactor,
    };
    let executed = run::execute(plan, relay.args(), rt, observer);
    drop(relay);
    if let Some(console) = console {
        console.finish();
    }
    let mut executed = executed?;
    let waived = super::record::apply_waivers(
        &resolved.set,
        &mut executed.results,
        &resolved.waivers,
        executed.finished_at,
    );
    Ok((executed, waived))
}

/// Prints the verdict, refuses a log file that leaked a secret, writes the
/// reports; the gate's exit code.
fn emit(
    args: &RunArgs,
    resolved: &Resolved,
    result: &RunResult,
    redactor: &Redactor,
) -> Result<u8, AppError> {
    let json = args.output.format == Some(OutputFormat::Json);
    print_verdict(result, redactor, json);
    let code = u8::try_from(result.exit_code).unwrap_or(exit::NOT_READY);
    // libtest wrote --logfile itself: the canary reads it too.
    let logfile: Vec<PathBuf> = args.output.logfile.iter().cloned().collect();
    refuse_leaks(&logfile, redactor)?;
    if let Some(reports) = &resolved.options.reports {
        write_reports(
            result,
            reports.value.clone(),
            (redactor, redactor),
            json,
            &resolved.record,
        )?;
    }
    Ok(code)
}

/// Refuses (exit 2) a filter or `--skip` that matches no check id, and a
/// `--skip` that leaves out every check the filters take, before
/// the sandbox starts or the target is resolved: a typo would otherwise
/// run everything (`--skip`) or nothing (a filter), preflight included.
fn refuse_unmatched(selection: &run::Selection, set: &CheckSet) -> Result<(), UsageError> {
    let ids: Vec<&str> = set.checks.iter().map(|c| c.id.as_str()).collect();
    let client_ids: Vec<&str> = set.client_checks.iter().map(|c| c.id.as_str()).collect();
    let unmatched = selection.unmatched(&ids, &client_ids);
    if !unmatched.is_empty() {
        return Err(UsageError::UnmatchedSelection(unmatched));
    }
    // Each pattern matches, yet `--skip` leaves out all the filters take.
    if !selection.skip.is_empty() && !ids.iter().any(|id| selection.selects(id)) {
        return Err(UsageError::AllSkipped {
            skip: selection.skip.clone(),
            filters: selection.filters.clone(),
        });
    }
    Ok(())
}

/// Lowers the run's concurrency (and gives up keep-alive) to fit the file
/// descriptors this machine allows, saying so on stderr; refuses (exit 2)
/// a limit that leaves room for no check. With the sandbox in this process
/// each request holds three: the client's socket, the server's, and the
/// server's previous one, which it may not have closed yet when the client
/// (without keep-alive) opens the next.
fn fit_to_file_limit(settings: &mut RunSettings, in_process: bool) -> Result<(), AppError> {
    let Some(room) = run::fd_room() else {
        return Ok(());
    };
    let per_request = if in_process { 3 } else { 1 };
    // One keep-alive pool per credential the run sends.
    let fit = run::fit(
        settings.concurrency,
        per_request,
        settings.client_count(),
        room,
    )
    .map_err(UsageError::FileLimit)?;
    if fit.concurrency < settings.concurrency || !fit.keep_alive {
        eprintln!(
            "note: this machine lets the run open {} files (`ulimit -n`): running {} check(s) at once instead of {}, without keep-alive",
            room.limit, fit.concurrency, settings.concurrency
        );
    }
    settings.concurrency = fit.concurrency;
    settings.keep_alive = fit.keep_alive;
    Ok(())
}

/// Refuses check files that hold a secret in clear (exit 2, the value not
/// shown): a key written in a step name, a hint or a regex would sit in a
/// file meant to be committed, and in everything that quotes it. The key
/// is chosen with `key:`, never written.
fn refuse_secrets_in_checks(files: &[PathBuf], redactor: &Redactor) -> Result<(), AppError> {
    for file in files {
        let bytes = match builtin_text(file) {
            Some(text) => text.as_bytes().to_vec(),
            None => match std::fs::read(file) {
                Ok(bytes) => bytes,
                Err(_) => continue,
            },
        };
        let text = String::from_utf8_lossy(&bytes);
        for (n, line) in text.lines().enumerate() {
            let redacted = redactor.redact(line);
            if redacted == line {
                continue;
            }
            let column = line
                .chars()
                .zip(redacted.chars())
                .take_while(|(a, b)| a == b)
                .count()
                + 1;
            let at = crate::check::Location::of(file, n + 1).at_column(column);
            return Err(UsageError::SecretInCheckFile { at }.into());
        }
    }
    Ok(())
}

/// The leak canary over `files` the run wrote besides the reports.
fn refuse_leaks(files: &[PathBuf], redactor: &Redactor) -> Result<(), AppError> {
    let leaked = remove_leaking_files(files, redactor);
    if leaked.is_empty() {
        Ok(())
    } else {
        Err(AppError::Leak(leaked))
    }
}

/// The terminal's observer: verbose lines with `-v`, and the live line when
/// libtest's output is whole lines on an interactive terminal.
fn console(args: &RunArgs) -> Option<Arc<Console>> {
    let open_line = leaves_line_open(&args.output.libtest());
    let dumb = term::is_dumb(|name| std::env::var(name).ok());
    let mode = Mode {
        live: std::io::stdout().is_terminal() && !open_line && !dumb,
        open_line,
    };
    (args.verbose > 0 || mode.live).then(|| Console::start(args.verbose, mode))
}

/// Whether libtest leaves its line open while a check runs: with one test
/// thread it prints `test x ... ` before waiting, with `-q` a row of dots;
/// JSON and a log file are not the terminal's lines. The live line, which
/// rewrites the terminal's last line, is shown only when this is false.
/// By default the harness gives libtest at least two threads.
fn leaves_line_open(args: &Arguments) -> bool {
    let threads = args.test_threads.unwrap_or(2);
    let pretty = !args.quiet && matches!(args.format, None | Some(FormatSetting::Pretty));
    !pretty || threads <= 1 || args.logfile.is_some()
}

/// The target as the result model records it.
fn target_of(config: &TargetConfig, args: &RunArgs) -> Target {
    Target {
        base_url: config.target.base_url.clone(),
        entry_point_id: config.target.entry_point_id.clone(),
        sandbox: args.sandbox,
        faults: if args.sandbox {
            names(&args.sandbox_behaviour.faults)
        } else {
            Vec::new()
        },
        dialects: if args.sandbox {
            names(&args.sandbox_behaviour.dialects)
        } else {
            Vec::new()
        },
        fixtures_supplied: config.target.fixture_names().cloned().collect(),
        tls: None,
        proxy: None,
    }
}

/// The run's settings: the target, and the knobs `options` give.
fn run_settings(
    target: TargetSettings,
    options: &RunOptions,
    run_id: String,
    proxy: Option<run::ProxyChoice>,
) -> RunSettings {
    RunSettings {
        target,
        timeouts: options.timeouts(),
        poll_timeout: options.poll_timeout,
        concurrency: usize::from(options.concurrency.value),
        keep_alive: true,
        run_id,
        proxy,
        extra_roots: Vec::new(),
    }
}

/// The sandbox's fixtures as a target configuration.
fn sandbox_target(base_url: String) -> Result<TargetConfig, AppError> {
    let secret = |v: &str, what: &str| Secret::new(v, what).map_err(UsageError::SandboxFixture);
    let target = TargetSettings {
        base_url,
        api_key: secret(FIXTURES.api_key, "sandbox key")?,
        entry_point_id: FIXTURES.entry_point_id.to_string(),
        fixtures: [
            (
                "no_attendants_entry_point_id",
                FIXTURES.no_attendants_entry_point_id,
            ),
            (
                "unavailable_entry_point_id",
                FIXTURES.unavailable_entry_point_id,
            ),
            ("failing_message", FIXTURES.fail_marker),
            ("other_entry_point_id", FIXTURES.other_entry_point_id),
            ("inactive_entry_point_id", FIXTURES.inactive_entry_point_id),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        secret_fixtures: [
            ("previous_api_key", FIXTURES.previous_api_key),
            ("inactive_api_key", FIXTURES.inactive_api_key),
            ("other_api_key", FIXTURES.other_api_key),
        ]
        .into_iter()
        .map(|(k, v)| Ok((k.to_string(), secret(v, k)?)))
        .collect::<Result<_, AppError>>()?,
    };
    let sources = TargetSources {
        base_url: Source::Sandbox,
        api_key: Source::Sandbox,
        entry_point_id: Source::Sandbox,
        fixtures: target
            .fixture_names()
            .map(|name| (name.clone(), Source::Sandbox))
            .collect(),
    };
    Ok(TargetConfig { target, sources })
}

/// Settings for `--list`, which sends nothing.
fn listing_settings(run_id: &str) -> Result<RunSettings, AppError> {
    let mut target = sandbox_target("http://127.0.0.1:9".into())?.target;
    target.secret_fixtures.clear();
    Ok(RunSettings {
        target,
        timeouts: Timeouts::default(),
        poll_timeout: None,
        concurrency: 1,
        keep_alive: true,
        run_id: run_id.to_string(),
        proxy: None,
        extra_roots: Vec::new(),
    })
}

/// Writes the report set redacted with `redactor`, then scans every
/// written file for the secrets of `canary` (the leak canary): a file
/// holding one is deleted and the run fails.
/// With `json`, stdout gets a `reports` event instead of the line, and the
/// GitHub annotations go to stderr (the runner reads commands there too).
pub(super) fn write_reports(
    result: &RunResult,
    root: PathBuf,
    (redactor, canary): (&Redactor, &Redactor),
    json: bool,
    record: &report::RecordSettings,
) -> Result<(), AppError> {
    let written = report::write_all_with(result, &root, redactor, record)?;
    refuse_leaks(&written.files, canary)?;
    if json {
        let event = serde_json::json!({
            "type": "reports",
            "dir": written.dir.display().to_string(),
            "latest": written.latest.display().to_string(),
            "files": written.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
        });
        stdout::line(event);
    } else {
        stdout::line(format_args!(
            "reports: {} (latest: {})",
            written.dir.display(),
            written.latest.display()
        ));
    }
    if let Some(summary_file) = std::env::var_os("GITHUB_STEP_SUMMARY").map(PathBuf::from) {
        // The run's reports are written: a step summary that cannot be
        // appended to is the workflow's problem, not the run's verdict.
        if let Err(error) = report::write_step_summary(result, redactor, &summary_file) {
            let reason = std::error::Error::source(&error)
                .map(|cause| format!(": {cause}"))
                .unwrap_or_default();
            eprintln!("warning: GITHUB_STEP_SUMMARY: {error}{reason}; the run goes on without it");
        }
    }
    let actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    for line in report::github_outputs(result, redactor, actions)? {
        if json {
            eprintln!("{line}");
        } else {
            stdout::line(line);
        }
    }
    Ok(())
}

/// Prints a graded run (`client`): a libtest line per check, then the
/// verdict's summary.
pub(super) fn print_graded(result: &RunResult, redactor: &Arc<Redactor>, libtest: &Arguments) {
    let relay = Relay::start(libtest);
    run::print_results(&result.checks, relay.args(), redactor.clone());
    drop(relay);
    print_verdict(
        result,
        redactor,
        libtest.format == Some(FormatSetting::Json),
    );
}

/// The verdict's text on stdout; with `json`, its event there and the text
/// on stderr, since stdout is JSON lines only (the text is for the person
/// watching).
fn print_verdict(result: &RunResult, redactor: &Redactor, json: bool) {
    if json {
        eprintln!("{}", redactor.redact(&term::summary(result)));
        stdout::line(redactor.redact(&verdict_event(result).to_string()));
    } else {
        stdout::line(redactor.redact(&term::summary(result)));
    }
}

/// `--format json`'s closing event: the verdict, its exit code and why.
fn verdict_event(result: &RunResult) -> serde_json::Value {
    serde_json::json!({
        "type": "verdict",
        "verdict": result.verdict,
        "exit_code": result.exit_code,
        "reasons": result.reasons,
        "summary": result.summary,
        "run_id": result.run_id,
    })
}

/// The leak canary: deletes every file in `files` that holds a secret (in
/// any encoding the redactor knows) and names them. Redaction by discipline
/// alone is how tools leak; this is the check after the fact.
fn remove_leaking_files(files: &[PathBuf], redactor: &Redactor) -> Vec<String> {
    let mut leaked = Vec::new();
    for file in files {
        if std::fs::read(file).is_ok_and(|bytes| redactor.finds_secret_in(&bytes)) {
            // Deleting is the point; a failure to delete is reported as a leak all the same.
            let _ = std::fs::remove_file(file);
            leaked.push(file.display().to_string());
        }
    }
    if !leaked.is_empty() {
        // The homologation record attests reports that are gone: it goes
        // with them (it holds no secret, so it is not counted as a leak).
        for record in files
            .iter()
            .filter(|f| f.ends_with(crate::report::RECORD_FILE))
        {
            let _ = std::fs::remove_file(record);
        }
    }
    leaked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_leak_canary_deletes_files_holding_a_secret_in_any_encoding() {
        let dir = tempfile::tempdir().unwrap();
        let key = Secret::new("ak_canary0000000000000000000000000", "key").unwrap();
        let redactor = Redactor::new([&key]);
        let clean = dir.path().join("clean.json");
        let plain = dir.path().join("plain.json");
        let encoded = dir.path().join("encoded.txt");
        std::fs::write(&clean, "nothing to see").unwrap();
        std::fs::write(&plain, format!("{{\"echo\":\"{}\"}}", key.expose())).unwrap();
        use base64::Engine;
        std::fs::write(
            &encoded,
            base64::engine::general_purpose::STANDARD.encode(key.expose()),
        )
        .unwrap();
        let files = vec![clean.clone(), plain.clone(), encoded.clone()];
        let leaked = remove_leaking_files(&files, &redactor);
        assert_eq!(leaked.len(), 2);
        assert!(clean.exists() && !plain.exists() && !encoded.exists());
    }

    #[test]
    fn the_live_line_needs_whole_lines_from_libtest() {
        let quiet = Arguments {
            quiet: true,
            ..Arguments::default()
        };
        let one_thread = Arguments {
            test_threads: Some(1),
            ..Arguments::default()
        };
        let json = Arguments {
            format: Some(FormatSetting::Json),
            ..Arguments::default()
        };
        for args in [quiet, one_thread, json] {
            assert!(leaves_line_open(&args), "{args:?}");
        }
        let parallel = Arguments {
            test_threads: Some(2),
            ..Arguments::default()
        };
        assert!(!leaves_line_open(&parallel));
    }
}
