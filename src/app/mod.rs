//! Subcommand dispatch: wires check loading -> run -> result -> reports.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::SystemTime;

use crate::check::load_paths;
use crate::cli::{Cli, Command, ListArgs, RunArgs, SandboxArgs, SandboxBehaviour, ValidateArgs};
use crate::config::{resolve_target, TargetConfig};
use crate::error::AppError;
use crate::result::{RunResult, Target};
use crate::run::{self, RunSettings, Timeouts};
use crate::sandbox::{Fault, Sandbox, SandboxConfig, FIXTURES};
use crate::secret::{Redactor, Secret};
use crate::{exit, report, term};



/// Runs the command and returns the process exit code.
pub fn run(cli: Cli) -> Result<u8, AppError> {
    match cli.command {
        Command::Run(args) => run_checks(*args),
        Command::List(args) => list(args),
        Command::Validate(args) => validate(args),
        Command::Sandbox(args) => sandbox(args),
    }
}

fn list(args: ListArgs) -> Result<u8, AppError> {
    let set = load_paths(&args.checks)?;
    for check in &set.checks {
        println!(
            "{:<44} {:<9} {:<21} {}",
            check.id,
            check.severity.as_str(),
            check.checklist.id(),
            check.title
        );
    }
    Ok(exit::READY)
}

fn validate(args: ValidateArgs) -> Result<u8, AppError> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("checks")]
    } else {
        args.paths
    };
    let set = load_paths(&paths)?;
    println!(
        "{} checks in {} files are valid",
        set.checks.len(),
        set.files.len()
    );
    Ok(exit::READY)
}

fn runtime() -> Result<tokio::runtime::Runtime, AppError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| run::RunError::Runtime(e.to_string()).into())
}

fn sandbox_config(behaviour: &SandboxBehaviour) -> Result<SandboxConfig, AppError> {
    let faults = behaviour
        .faults
        .iter()
        .map(|f| Fault::parse(f).map_err(|e| AppError::Setting(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SandboxConfig {
        latency: behaviour.latency,
        faults,
    })
}

fn sandbox(args: SandboxArgs) -> Result<u8, AppError> {
    if args.list_faults {
        for info in Fault::ALL {
            println!("{:<34} {}", info.name, info.description);
        }
        return Ok(exit::READY);
    }
    let config = sandbox_config(&args.behaviour)?;
    let rt = runtime()?;
    rt.block_on(async {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], args.port));
        let sandbox = Sandbox::start(addr, config).await?;
        println!("{}", FIXTURES.describe(&sandbox.base_url()));
        println!("Press Ctrl-C to stop.");
        // If the signal cannot be awaited, stop at once rather than hang unstoppable.
        let _ = tokio::signal::ctrl_c().await;
        sandbox.shutdown().await;
        Ok(exit::READY)
    })
}

/// The sandbox's fixtures as a target configuration.
fn sandbox_target(base_url: String) -> Result<TargetConfig, AppError> {
    let secret =
        |v: &str, what: &str| Secret::new(v, what).map_err(|e| AppError::Setting(e.to_string()));
    Ok(TargetConfig {
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
    })
}

fn configure_colour(args: &libtest_mimic::Arguments) {
    use libtest_mimic::ColorSetting;
    let on = match args.color {
        Some(ColorSetting::Always) => true,
        Some(ColorSetting::Never) => false,
        Some(ColorSetting::Auto) | None => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    colored::control::set_override(on);
}

fn run_checks(args: RunArgs) -> Result<u8, AppError> {
    configure_colour(&args.libtest);
    let set = load_paths(&args.checks)?;
    let rt = runtime()?;
    let started = SystemTime::now();
    let run_id = run::new_run_id(started);
    let mut sandbox = None;
    let config = if args.libtest.list {
        None
    } else if args.sandbox {
        let config = sandbox_config(&args.sandbox_behaviour)?;
        let started = rt.block_on(Sandbox::start(([127, 0, 0, 1], 0).into(), config))?;
        let target = sandbox_target(started.base_url())?;
        sandbox = Some(started);
        Some(target)
    } else {
        Some(resolve_target(&args, &set.catalog, &|name| {
            std::env::var(name).ok()
        })?)
    };
    let Some(config) = config else {
        // --list: libtest prints the names; nothing is sent.
        let settings = listing_settings(&run_id)?;
        run::execute(&set, &settings, &args.libtest, &rt, term::failure_text)?;
        return Ok(exit::READY);
    };
    let target = Target {
        base_url: config.base_url.clone(),
        entry_point_id: config.entry_point_id.clone(),
        sandbox: args.sandbox,
        faults: if args.sandbox {
            args.sandbox_behaviour.faults.clone()
        } else {
            Vec::new()
        },
        fixtures_supplied: config
            .fixtures
            .keys()
            .chain(config.secret_fixtures.keys())
            .cloned()
            .collect(),
        tls: None,
    };
    let settings = RunSettings {
        base_url: config.base_url,
        api_key: config.api_key,
        entry_point_id: config.entry_point_id,
        fixtures: config.fixtures,
        secret_fixtures: config.secret_fixtures,
        timeouts: Timeouts {
            connect: args.connect_timeout,
            request: args.timeout,
            check: args.check_timeout,
            deadline: args.deadline,
        },
        poll_timeout: args.poll_timeout,
        concurrency: usize::from(args.concurrency),
        run_id: run_id.clone(),
    };
    let redactor = Redactor::new(settings.secrets());
    let executed = run::execute(&set, &settings, &args.libtest, &rt, term::failure_text)?;
    if let Some(sandbox) = sandbox {
        rt.block_on(sandbox.shutdown());
    }
    let result = run::assemble(&set, executed, &run_id, target);
    println!("{}", redactor.redact(&term::summary(&result)));
    let code = run::gate_exit_code(result.ready);
    if !args.no_reports {
        write_reports(&result, args.reports, &redactor)?;
    }
    Ok(code)
}

/// Settings for `--list`, which sends nothing.
fn listing_settings(run_id: &str) -> Result<RunSettings, AppError> {
    let mut config = sandbox_target("http://127.0.0.1:9".into())?;
    config.secret_fixtures.clear();
    Ok(RunSettings {
        base_url: config.base_url,
        api_key: config.api_key,
        entry_point_id: config.entry_point_id,
        fixtures: config.fixtures,
        secret_fixtures: config.secret_fixtures,
        timeouts: Timeouts::default(),
        poll_timeout: None,
        concurrency: 1,
        run_id: run_id.to_string(),
    })
}

/// Writes the report set, then scans every written file for secrets (the
/// leak canary): a file holding one is deleted and the run fails.
fn write_reports(result: &RunResult, root: PathBuf, redactor: &Redactor) -> Result<(), AppError> {
    let written = report::write_all(result, &root, redactor)?;
    let leaked = remove_leaking_files(&written.files, redactor);
    if !leaked.is_empty() {
        return Err(AppError::Leak(leaked));
    }
    println!(
        "reports: {} (latest: {})",
        written.dir.display(),
        written.latest.display()
    );
    let summary_file = std::env::var_os("GITHUB_STEP_SUMMARY").map(PathBuf::from);
    let actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    for line in report::github_outputs(result, redactor, summary_file.as_deref(), actions)? {
        println!("{line}");
    }
    Ok(())
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
        std::fs::write(&encoded, base64::engine::general_purpose::STANDARD.encode(key.expose())).unwrap();
        let files = vec![clean.clone(), plain.clone(), encoded.clone()];
        let leaked = remove_leaking_files(&files, &redactor);
        assert_eq!(leaked.len(), 2);
        assert!(clean.exists() && !plain.exists() && !encoded.exists());
    }
}
