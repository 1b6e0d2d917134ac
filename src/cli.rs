//! Command-line interface: clap derive structs only.
//!
//! The API key is deliberately not a flag value: it comes from
//! `WAPZI_API_KEY` or `--api-key-file`, so it never lands in shell history
//! or process listings.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::sandbox::{Dialect, Fault, Scenario};

#[derive(Debug, Parser)]
#[command(
    name = "wapzi-homolog",
    version,
    about = "Tells whether a Wapzi external-service integration is ready for go-live."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the checks against a target (or the embedded sandbox) and write reports.
    #[command(
        long_about = "Runs the homologation checks against a Wapzi target (or the embedded \
sandbox, --sandbox), prints a line per check as libtest does, then the verdict, writes the \
reports and exits with a code a CI gate can trust.",
        after_help = RUN_EXAMPLES,
        after_long_help = RUN_EXAMPLES
    )]
    Run(Box<RunArgs>),
    /// List the checks: id, title, checklist item, severity.
    List(ListArgs),
    /// Load and validate check files without sending a request.
    Validate(ValidateArgs),
    /// Explain a check: what it verifies, its checklist item, fixtures, hint, file and steps.
    Explain(ExplainArgs),
    /// Create a homologation folder: the default checks, their schema, .env.example, CI recipes.
    Init(InitArgs),
    /// Print the JSON Schema of check files (for editors; docs/check.schema.json is a copy).
    Schema,
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
    /// Run the embedded reference server (a local Wapzi) and print its fixtures.
    Sandbox(SandboxArgs),
    /// Homologate your backend: record its calls to a local Wapzi (or to the real API) and grade them.
    #[command(
        long_about = "Homologates the other side of the integration: your backend. Starts the \
embedded sandbox on 127.0.0.1 (or, with --upstream, a recorder in front of the real API), runs \
COMMAND against it with WAPZI_BASE_URL, WAPZI_API_KEY and WAPZI_ENTRY_POINT_ID set (or, without a \
COMMAND, serves until Ctrl-C, SIGTERM or --for), records every call your client makes, then grades \
the calls with the client checks and exits with the same codes as `run`.",
        after_help = CLIENT_EXAMPLES,
        after_long_help = CLIENT_EXAMPLES
    )]
    Client(Box<ClientArgs>),
    /// Check homologation records (attestation.json): signature, reports, expiry, verdict.
    #[command(
        long_about = "Checks one or more homologation records (the attestation.json a run \
writes): the signature (with --public-key), that the reports match the digests the record names, \
that the record has not expired, and which checks and harness version produced it. Prints a line \
per record and the answer; exits 0 only for valid, unexpired READY records (READY WITH WAIVERS \
included). Given the API side's and the client side's records, both must be READY.",
        after_help = VERIFY_EXAMPLES,
        after_long_help = VERIFY_EXAMPLES
    )]
    Verify(VerifyArgs),
}

/// `wapzi-homolog client`.
#[derive(Debug, Args)]
pub struct ClientArgs {
    /// Port to listen on, on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    #[command(flatten)]
    pub behaviour: SandboxBehaviour,
    /// Present a documented situation to the client (repeatable; see --list-scenarios, which
    /// says those the recorder also presents with --upstream).
    #[arg(long = "scenario", value_name = "NAME", value_parser = Scenario::parse)]
    pub scenarios: Vec<Scenario>,
    /// Print the scenarios the sandbox can present, a line each, and exit.
    #[arg(long)]
    pub list_scenarios: bool,
    /// Test-only (hidden): each execution stays running until the client read it running this
    /// many times, whatever the clock says; the test suite's deterministic stand-in for
    /// `--scenario slow`. An execution the client never reads never ends.
    #[arg(long, value_name = "READS", hide = true, conflicts_with = "upstream")]
    pub hold_running_reads: Option<usize>,
    /// Forward the client's calls to this API (your homologation environment) instead of
    /// answering them from the sandbox; they are recorded and graded the same way.
    #[arg(long, value_name = "URL")]
    pub upstream: Option<String>,
    /// Allow a plain http:// --upstream other than loopback (the key would travel unencrypted).
    #[arg(long, requires = "upstream")]
    pub allow_insecure_http: bool,
    /// Without a COMMAND: serve this long, then grade [default: until Ctrl-C or SIGTERM].
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration, conflicts_with = "command")]
    pub serve_for: Option<Duration>,
    /// With a COMMAND: stop it (SIGTERM, then SIGKILL 5 s later) after this long.
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration, default_value = "10m")]
    pub deadline: Duration,
    /// The shortest interval between two reads of one execution that polling may use.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "200ms")]
    pub min_poll_interval: Duration,
    /// Check files or folders (repeatable); their client checks grade the calls; `builtin` names
    /// the checks built into the binary [default: builtin, and ./checks if it exists].
    #[arg(long = "checks", value_name = "PATH")]
    pub checks: Vec<PathBuf>,
    /// Root folder of the reports (a run writes <DIR>/<run-id>/ and <DIR>/latest/)
    /// [default: reports/client].
    #[arg(long = "reports", value_name = "DIR")]
    pub reports: Option<PathBuf>,
    /// Write no reports.
    #[arg(long, conflicts_with = "reports")]
    pub no_reports: bool,
    #[command(flatten)]
    pub record: RecordArgs,
    /// When to colour the output.
    #[arg(long, value_enum, value_name = "WHEN")]
    pub color: Option<ColorChoice>,
    /// Print each call of the client on stderr as it is recorded (method, path, status, time);
    /// query values are shown as `…` and every key is redacted.
    #[arg(short, long)]
    pub verbose: bool,
    /// One character per client check instead of one line (same as --format terse).
    #[arg(short, long, conflicts_with = "format")]
    pub quiet: bool,
    /// How the graded client checks are printed; with `json`, stdout is JSON lines only (as
    /// `run`'s), and the command's own output goes to stderr.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<OutputFormat>,
    /// Your end-to-end test, or a script that starts your backend and drives it; its output is
    /// passed through and its exit status is part of the verdict.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The check's id, e.g. `key::missing`; a prefix such as `key` lists the checks under it.
    #[arg(value_name = "CHECK_ID")]
    pub id: String,
    /// Check files or folders (repeatable); `builtin` names the checks built into the binary
    /// [default: builtin, and ./checks if it exists].
    #[arg(long = "checks", value_name = "PATH")]
    pub checks: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to set up, normally the root of your repository (CI recipes only work there).
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite files that already exist (your own CI pipeline included).
    #[arg(long, conflicts_with = "skip_existing")]
    pub force: bool,
    /// Keep files that already exist and write only what is missing.
    #[arg(long)]
    pub skip_existing: bool,
    /// Write CI recipes that build wapzi-homolog from its git repository (cargo install --git,
    /// cached) instead of using the released action and container image.
    #[arg(long)]
    pub from_source: bool,
    /// Also copy the built-in checks into checks/, stamped with this version, to pin them: they
    /// then run instead of the built-in ones (a run warns once the binary is newer).
    #[arg(long)]
    pub vendor: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Check files or folders (repeatable); `builtin` names the checks built into the binary
    /// [default: builtin, and ./checks if it exists].
    #[arg(long = "checks", value_name = "PATH")]
    pub checks: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Check files or folders; `builtin` names the checks built into the binary
    /// [default: builtin, and ./checks if it exists].
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Port to listen on, on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    #[command(flatten)]
    pub behaviour: SandboxBehaviour,
    /// Print the faults that can be injected, a line each, and exit.
    #[arg(long)]
    pub list_faults: bool,
    /// Print the dialects the sandbox can speak, a line each, and exit.
    #[arg(long)]
    pub list_dialects: bool,
    /// On stopping (Ctrl-C, SIGTERM), write what the sandbox counted as JSON: requests, and each
    /// execution's creation and terminal status times (for benchmarks; see docs/benchmarks.md).
    #[arg(long, value_name = "PATH")]
    pub stats_file: Option<PathBuf>,
}

/// How the sandbox behaves (shared by `sandbox` and `run --sandbox`).
#[derive(Debug, Args, Clone)]
pub struct SandboxBehaviour {
    /// Time from an execute to its execution's terminal status.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "300ms")]
    pub latency: Duration,
    /// Make the sandbox deviate from the documented API (repeatable; see `sandbox --list-faults`).
    #[arg(long = "fault", value_name = "NAME", value_parser = Fault::parse)]
    pub faults: Vec<Fault>,
    /// Make the sandbox speak a faithful reading of a point the API page leaves open
    /// (repeatable, any combination; see `sandbox --list-dialects`).
    #[arg(long = "dialect", value_name = "NAME", value_parser = Dialect::parse)]
    pub dialects: Vec<Dialect>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Check files or folders (repeatable); `builtin` names the checks built into the binary
    /// [default: builtin, and ./checks if it exists].
    #[arg(long = "checks", value_name = "PATH")]
    pub checks: Vec<PathBuf>,

    /// Run against the embedded sandbox on an ephemeral 127.0.0.1 port, with all its fixtures.
    #[arg(long)]
    pub sandbox: bool,
    #[command(flatten)]
    pub sandbox_behaviour: SandboxBehaviour,

    /// Base URL of the Wapzi API [env: WAPZI_BASE_URL] [default: https://api.wapzi.com.br].
    #[arg(long, value_name = "URL", conflicts_with = "sandbox")]
    pub base_url: Option<String>,
    /// The entry point under test [env: WAPZI_ENTRY_POINT_ID].
    #[arg(long = "entry-point", value_name = "ID", conflicts_with = "sandbox")]
    pub entry_point: Option<String>,
    /// Read the API key from this file (else from WAPZI_API_KEY); surrounding whitespace is trimmed.
    #[arg(long, value_name = "PATH", conflicts_with = "sandbox")]
    pub api_key_file: Option<PathBuf>,
    /// A non-secret fixture, NAME=VALUE (repeatable) [env: WAPZI_<NAME>]; with --sandbox, one
    /// the sandbox does not supply itself (such as completion_budget=600ms).
    #[arg(long = "fixture", value_name = "NAME=VALUE")]
    pub fixtures: Vec<String>,
    /// A secret fixture read from a file, NAME=PATH (repeatable) [env: WAPZI_<NAME>].
    #[arg(
        long = "secret-file",
        value_name = "NAME=PATH",
        conflicts_with = "sandbox"
    )]
    pub secret_files: Vec<String>,
    /// Fixture: an entry point with no attendants [env: WAPZI_NO_ATTENDANTS_ENTRY_POINT_ID].
    #[arg(long, value_name = "ID", conflicts_with = "sandbox")]
    pub no_attendants_entry_point: Option<String>,
    /// Fixture: an entry point whose agents are all unavailable [env: WAPZI_UNAVAILABLE_ENTRY_POINT_ID].
    #[arg(long, value_name = "ID", conflicts_with = "sandbox")]
    pub unavailable_entry_point: Option<String>,
    /// Allow plain http:// to a host other than loopback (the key would travel unencrypted).
    #[arg(long)]
    pub allow_insecure_http: bool,
    /// Read settings and fixtures from a dotenv file (KEY=VALUE lines); the environment takes precedence.
    #[arg(long, value_name = "PATH")]
    pub env_file: Option<PathBuf>,
    /// Print where each setting came from, then each HTTP exchange as it happens (method, path,
    /// status, time), on stderr; -vv adds bodies.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Overrides every check's polling timeout.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub poll_timeout: Option<Duration>,
    // The settings below are `None` when not given, rather than clap
    // defaults, so that `-v` can say whether each came from its flag.
    /// Timeout of one request, body included [default: 30s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Timeout to establish a connection [default: 10s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub connect_timeout: Option<Duration>,
    /// Time budget of one check, all its steps and polls [default: 2m].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub check_timeout: Option<Duration>,
    /// Deadline of the whole run: checks still running then end as errors [default: 10m].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub deadline: Option<Duration>,
    /// How many checks may send requests at once [default: 16]; a check that only judges
    /// other checks' answers (`from`) takes no turn.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: Option<u16>,

    /// Root folder of the reports (a run writes <DIR>/<run-id>/ and <DIR>/latest/) [default: reports].
    #[arg(long = "reports", value_name = "DIR")]
    pub reports: Option<PathBuf>,
    /// Write no reports.
    #[arg(long, conflicts_with = "reports")]
    pub no_reports: bool,
    #[command(flatten)]
    pub record: RecordArgs,

    /// Which checks run and how their progress is printed (libtest's conventions).
    #[command(flatten)]
    pub output: RunOutput,
}

/// The homologation record (`attestation.json`) and the waivers it lists
/// (shared by `run` and `client`).
#[derive(Debug, Args, Clone, Default)]
pub struct RecordArgs {
    /// Sign the record (attestation.json) with the Ed25519 private key in this file (PKCS#8 PEM
    /// or OpenSSH); the key is never a flag value and never printed.
    #[arg(long, value_name = "PATH", help_heading = "Record")]
    pub sign_key: Option<PathBuf>,
    /// How long the record holds after the run [default: 30d; a run with waivers: 14d at most].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Record")]
    pub valid_for: Option<Duration>,
    /// Waived checks (docs/waivers.md): their failures do not gate, the verdict is READY WITH
    /// WAIVERS [default: ./waivers.yaml if it exists].
    #[arg(long, value_name = "PATH", help_heading = "Record")]
    pub waivers: Option<PathBuf>,
}

/// `wapzi-homolog verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Records to check (attestation.json files): one per side; given the API side's and the
    /// client side's, the answer is for both.
    #[arg(value_name = "RECORD", required = true)]
    pub records: Vec<PathBuf>,
    /// The folder of the reports the record names (report.json, junit.xml); with one record,
    /// [default: the record's own folder, when the reports are there].
    #[arg(long, value_name = "DIR")]
    pub reports: Option<PathBuf>,
    /// The signer's public key (PEM `BEGIN PUBLIC KEY`, or OpenSSH `ssh-ed25519 AAAA…`): the
    /// record must be signed with its private half.
    #[arg(long, value_name = "PATH")]
    pub public_key: Option<PathBuf>,
    /// Judge expiry at this time (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
}

/// The libtest arguments that mean something to a run of checks: which
/// checks run, and how their progress is printed. libtest-mimic's own
/// `Arguments` is built from these ([`RunOutput::libtest`]).
#[derive(Debug, Args, Clone, Default)]
pub struct RunOutput {
    /// Run only the checks whose id contains FILTER; several filters run the checks that match
    /// any (a filtered run ends INCOMPLETE, exit 6; a filter that matches no id is refused, exit 2).
    #[arg(value_name = "FILTER", help_heading = "Selection")]
    pub filters: Vec<String>,
    /// Match FILTER and --skip against whole check ids, not substrings.
    #[arg(long, help_heading = "Selection")]
    pub exact: bool,
    /// Leave out the checks whose id contains FILTER (repeatable).
    #[arg(long = "skip", value_name = "FILTER", help_heading = "Selection")]
    pub skip: Vec<String>,
    /// List the selected checks' ids and exit; nothing is sent.
    #[arg(long, help_heading = "Selection")]
    pub list: bool,
    /// Refused: no check is marked ignored in advance.
    #[arg(long, hide = true)]
    pub ignored: bool,
    /// Refused: no check is marked ignored in advance.
    #[arg(long, hide = true)]
    pub include_ignored: bool,

    /// One character per check instead of one line (same as --format terse).
    #[arg(short, long, conflicts_with = "format", help_heading = "Output")]
    pub quiet: bool,
    /// How the checks' progress is printed.
    #[arg(long, value_enum, value_name = "FORMAT", help_heading = "Output")]
    pub format: Option<OutputFormat>,
    /// Write the checks' progress lines to PATH instead of stdout.
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    pub logfile: Option<PathBuf>,
    /// When to colour the output.
    #[arg(long, value_enum, value_name = "WHEN", help_heading = "Output")]
    pub color: Option<ColorChoice>,
    /// How many checks' results are awaited at once; 1 prints them in check order, each line
    /// opened before its check ends [default: every check up to 64, each printed as it ends]. How many checks run at once is
    /// --concurrency.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..), help_heading = "Output")]
    pub test_threads: Option<u16>,
}

impl RunOutput {
    /// libtest-mimic's arguments: the output settings only (colour is the
    /// run's decision, `crate::app::term::colour_on`). The selection
    /// is the harness's own (several filters, and the checks a selected
    /// check judges), so libtest is given the selected trials unfiltered.
    pub fn libtest(&self) -> libtest_mimic::Arguments {
        libtest_mimic::Arguments {
            list: self.list,
            quiet: self.quiet,
            format: self.format.map(OutputFormat::libtest),
            logfile: self.logfile.as_ref().map(|p| p.display().to_string()),
            test_threads: self.test_threads.map(usize::from),
            ..libtest_mimic::Arguments::default()
        }
    }

    /// Which checks the run selects.
    pub fn selection(&self) -> crate::run::Selection {
        crate::run::Selection {
            filters: self.filters.clone(),
            skip: self.skip.clone(),
            exact: self.exact,
        }
    }
}

/// `run --format` and `client --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// A line per check, then the failures and the verdict (the default).
    Pretty,
    /// A character per check, then the failures and the verdict.
    Terse,
    /// JSON lines only on stdout, an object per event (docs/report-format.md); the verdict's
    /// text goes to stderr.
    Json,
}

impl OutputFormat {
    /// libtest-mimic's setting for this format.
    pub fn libtest(self) -> libtest_mimic::FormatSetting {
        match self {
            OutputFormat::Pretty => libtest_mimic::FormatSetting::Pretty,
            OutputFormat::Terse => libtest_mimic::FormatSetting::Terse,
            OutputFormat::Json => libtest_mimic::FormatSetting::Json,
        }
    }
}

impl ClientArgs {
    /// libtest-mimic's arguments for printing the graded client checks.
    pub fn libtest(&self) -> libtest_mimic::Arguments {
        libtest_mimic::Arguments {
            quiet: self.quiet,
            format: self.format.map(OutputFormat::libtest),
            ..libtest_mimic::Arguments::default()
        }
    }

    /// Whether stdout is JSON lines only.
    pub fn json(&self) -> bool {
        self.format == Some(OutputFormat::Json)
    }
}

/// `run --color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal, unless NO_COLOR is set (and not empty) or TERM is dumb (the default).
    Auto,
    /// Always colour, log files included.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// The colour this choice forces, if it forces one.
    pub fn forced(self) -> Option<bool> {
        match self {
            ColorChoice::Auto => None,
            ColorChoice::Always => Some(true),
            ColorChoice::Never => Some(false),
        }
    }
}

/// `run --help`'s closing text.
const RUN_EXAMPLES: &str = "\
Examples:
  wapzi-homolog run --sandbox                   the whole checklist against the embedded sandbox
  wapzi-homolog run --env-file .env             against your target (WAPZI_API_KEY, WAPZI_ENTRY_POINT_ID)
  wapzi-homolog run key:: execution::           only the checks under key:: or execution::
  wapzi-homolog run --exact key::missing        one check (and the checks whose answers it judges)
  wapzi-homolog run --list                      the check ids, nothing sent
  wapzi-homolog run --format json | jq .        JSON lines, one event per line

Exit codes: 0 READY, 1 NOT READY, 2 setup error, 3 reports not written, 4 secret leaked,
5 UNREACHABLE, 6 INCOMPLETE (a filtered run ends so at best), 130/143 interrupted.";

/// `verify --help`'s closing text.
const VERIFY_EXAMPLES: &str = "\
Examples:
  wapzi-homolog verify reports/latest/attestation.json
  wapzi-homolog verify --public-key integrator.pub api/attestation.json client/attestation.json
  wapzi-homolog verify --at 2027-01-15T00:00:00Z reports/latest/attestation.json
Exit codes: 0 valid and READY (with or without waivers), 1 NOT READY, 2 setup error (a file or
key that cannot be read), 5 UNREACHABLE, 6 INCOMPLETE (or a side missing), 7 record invalid
(signature, reports changed, not a record), 8 record expired.";

/// `client --help`'s closing text.
const CLIENT_EXAMPLES: &str = "\
Examples:
  wapzi-homolog client -- npm test                     your end-to-end test against the sandbox
  wapzi-homolog client --scenario slow --scenario unavailable -- ./e2e.sh
  wapzi-homolog client --for 5m                        serve, drive your backend by hand, then grade
  wapzi-homolog client --upstream https://api.wapzi.com.br -- npm test
  wapzi-homolog client --list-scenarios                the situations the sandbox can present
Exit codes: as `run`: 0 READY, 1 NOT READY (a client check failed, or COMMAND failed), 2 setup
error, 3 reports not written, 4 secret leaked, 6 INCOMPLETE, 130/143 interrupted.";

/// Parses a humantime duration (`30s`, `500ms`, `2m`).
/// [`parse_duration`], refusing zero (a deadline of `0s` would stop the
/// command before it could make a call).
fn parse_positive_duration(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        d if d.is_zero() => Err("must be more than zero (write e.g. `10m` or `30s`)".to_string()),
        d => Ok(d),
    }
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("{e} (write e.g. `30s` or `500ms`)"))
}

#[cfg(test)]
mod tests {
    //! Fault, dialect and scenario names are typed once, here: an unknown
    //! one is refused by the parser with its "did you mean".

    use clap::Parser;

    use super::{Cli, Command};
    use crate::sandbox::{Dialect, Fault, Scenario};

    #[test]
    fn sandbox_names_are_parsed_once_into_their_types() {
        let cli = Cli::try_parse_from([
            "wapzi-homolog",
            "client",
            "--fault",
            "accept-missing-key",
            "--dialect",
            "json-404",
            "--scenario",
            "unavailable",
            "--",
            "true",
        ]);
        let Ok(Cli {
            command: Command::Client(args),
            ..
        }) = cli
        else {
            panic!("not parsed: {cli:?}");
        };
        assert_eq!(args.behaviour.faults, [Fault::AcceptMissingKey]);
        assert_eq!(args.behaviour.dialects, [Dialect::Json404]);
        assert_eq!(args.scenarios, [Scenario::Unavailable]);
    }

    #[test]
    fn an_unknown_name_is_refused_by_the_parser_with_a_suggestion() {
        for (flag, value, says) in [
            ("--dialect", "json404", "(did you mean `json-404`?)"),
            (
                "--fault",
                "accept-missing-kye",
                "(did you mean `accept-missing-key`?)",
            ),
        ] {
            let error = Cli::try_parse_from(["wapzi-homolog", "sandbox", flag, value])
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(error.contains(says), "{flag} {value}: {error}");
        }
    }
}
