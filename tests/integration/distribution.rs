//! What a release ships, tested as far as it can be here (no network, no
//! Docker engine): the action's install script against release assets
//! served on 127.0.0.1, the syntax and key fields of every workflow, action
//! and recipe, the binstall names, and the Dockerfile's shape.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde_yaml::Value;
use wapzi_homolog::scaffold::{github_workflow, gitlab_job, GITLAB_PIPELINE};

use crate::support::{assert_exit, temp_dir};
use wapzi_homolog::exit;

const TARGET: &str = "x86_64-unknown-linux-musl";
const VERSION: &str = env!("CARGO_PKG_VERSION");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Serves the files below a folder over HTTP/1.0 on 127.0.0.1 until
/// dropped, counting requests.
struct FileServer {
    port: u16,
    requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FileServer {
    fn start(dir: &Path) -> FileServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (requests, stop) = (
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicBool::new(false)),
        );
        let (dir, counted, stopping) = (dir.to_path_buf(), requests.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    counted.fetch_add(1, Ordering::SeqCst);
                    serve(&dir, stream);
                }
            }
        });
        FileServer {
            port,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop, which then sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Answers one request: the file at its path below `dir`, or 404.
fn serve(dir: &Path, stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(&stream);
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
        header.clear();
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/");
    let file = dir.join(path.trim_start_matches('/'));
    let mut stream = &stream;
    match std::fs::read(&file) {
        Ok(body) if !path.contains("..") => {
            let head = format!(
                "HTTP/1.0 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
        _ => {
            let _ = stream.write_all(
                b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    }
}

/// A release folder as release.yml publishes it: `v<VERSION>/<asset>` and
/// its `.sha256`, packaged by the release's own script from a stand-in
/// binary (a script that prints its name).
fn release() -> (tempfile::TempDir, String) {
    let dir = temp_dir();
    let binary = dir.path().join("wapzi-homolog");
    std::fs::write(&binary, "#!/bin/sh\necho stand-in wapzi-homolog\n").unwrap();
    let out = dir.path().join(format!("v{VERSION}"));
    let packaged = crate::support::output(
        Command::new(root().join(".github/release/package.sh")).args([
            TARGET.as_ref(),
            binary.as_os_str(),
            out.as_os_str(),
            format!("v{VERSION}").as_ref(),
        ]),
    );
    assert!(
        packaged.status.success(),
        "{}",
        String::from_utf8_lossy(&packaged.stderr)
    );
    (dir, format!("wapzi-homolog-v{VERSION}-{TARGET}.tar.gz"))
}

/// The install script, pointed at `server`, installing into `into`.
fn install(server: &FileServer, into: &Path) -> crate::support::Ran {
    let mut cmd = install_command(server, into);
    cmd.env("WAPZI_HOMOLOG_VERSION", format!("v{VERSION}"))
        .env("WAPZI_HOMOLOG_TARGET", TARGET);
    crate::support::run(&mut cmd)
}

/// The install script pointed at `server`, installing into `into`, its
/// version and target left to the caller; bounded by coreutils' `timeout`.
fn install_command(server: &FileServer, into: &Path) -> Command {
    let mut cmd = Command::new("timeout");
    cmd.arg("120").arg(root().join(".github/action/install.sh"));
    for proxy in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        cmd.env_remove(proxy);
    }
    cmd.env_remove("WAPZI_HOMOLOG_VERSION")
        .env_remove("GITHUB_ACTION_PATH")
        .env("WAPZI_HOMOLOG_RELEASE_URL", server.url())
        .env("WAPZI_HOMOLOG_INSTALL_DIR", into.join("bin"))
        .env("GITHUB_PATH", into.join("github_path"));
    cmd
}

#[test]
fn the_install_script_installs_a_release_whose_checksum_matches() {
    let (dir, asset) = release();
    let server = FileServer::start(dir.path());
    let into = temp_dir();
    let ran = install(&server, into.path());
    assert_exit(&ran, exit::READY);
    let installed = into.path().join("bin/wapzi-homolog");
    let output = crate::support::output(&mut Command::new(&installed));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "stand-in wapzi-homolog\n"
    );
    let path = std::fs::read_to_string(into.path().join("github_path")).unwrap();
    assert_eq!(path.trim(), into.path().join("bin").display().to_string());
    assert!(ran.stdout.contains(&asset), "{}", ran.stdout);
    assert_eq!(
        server.requests.load(Ordering::SeqCst),
        2,
        "the archive and its checksum"
    );
}

#[test]
fn the_install_script_refuses_an_archive_whose_checksum_does_not_match() {
    let (dir, asset) = release();
    let checksum = dir.path().join(format!("v{VERSION}/{asset}.sha256"));
    std::fs::write(&checksum, format!("{}  {asset}\n", "0".repeat(64))).unwrap();
    let server = FileServer::start(dir.path());
    let into = temp_dir();
    let ran = install(&server, into.path());
    assert_ne!(ran.code, 0, "{}", ran.stdout);
    assert!(
        ran.stderr
            .contains(&format!("checksum mismatch for {asset}")),
        "{}",
        ran.stderr
    );
    assert!(!into.path().join("bin").exists(), "nothing is installed");
    assert!(!into.path().join("github_path").exists());
}

#[test]
fn the_install_script_refuses_a_missing_asset_and_a_missing_version() {
    let dir = temp_dir();
    let server = FileServer::start(dir.path());
    let into = temp_dir();
    let ran = install(&server, into.path());
    assert_ne!(ran.code, 0);
    assert!(ran.stderr.contains("cannot download"), "{}", ran.stderr);
    assert!(server.requests.load(Ordering::SeqCst) >= 1);

    let ran = crate::support::run(
        install_command(&server, into.path())
            .env("WAPZI_HOMOLOG_VERSION", "main")
            .env("WAPZI_HOMOLOG_TARGET", TARGET),
    );
    assert_ne!(ran.code, 0);
    assert!(
        ran.stderr.contains("give the action's 'version' input"),
        "{}",
        ran.stderr
    );
    // No input and no action folder to read a version from.
    let ran = crate::support::run(
        install_command(&server, into.path()).env("WAPZI_HOMOLOG_TARGET", TARGET),
    );
    assert_ne!(ran.code, 0);
    assert!(ran.stderr.contains("no release version"), "{}", ran.stderr);
}

/// A release of `version` holding one stand-in asset per target.
fn release_of(version: &str, targets: &[&str]) -> tempfile::TempDir {
    let dir = temp_dir();
    let binary = dir.path().join("wapzi-homolog");
    std::fs::write(&binary, "#!/bin/sh\necho stand-in wapzi-homolog\n").unwrap();
    for target in targets {
        let packaged = crate::support::output(
            Command::new(root().join(".github/release/package.sh"))
                .arg(target)
                .arg(&binary)
                .arg(dir.path().join(format!("v{version}")))
                .arg(version),
        );
        assert!(
            packaged.status.success(),
            "{}",
            String::from_utf8_lossy(&packaged.stderr)
        );
    }
    dir
}

#[test]
fn the_install_script_takes_the_version_from_its_input_else_from_the_actions_cargo_toml() {
    let dir = release_of("9.8.7", &[TARGET]);
    let own = release_of(VERSION, &[TARGET]);
    for (release, input, expected) in [
        (&dir, Some("v9.8.7"), "9.8.7"),
        (&dir, Some("9.8.7"), "9.8.7"),
        (&own, None, VERSION),
        (&own, Some(""), VERSION),
    ] {
        let server = FileServer::start(release.path());
        let into = temp_dir();
        let mut cmd = install_command(&server, into.path());
        // The action's folder is this repository: its Cargo.toml says VERSION.
        cmd.env("GITHUB_ACTION_PATH", root())
            .env("WAPZI_HOMOLOG_TARGET", TARGET);
        if let Some(input) = input {
            cmd.env("WAPZI_HOMOLOG_VERSION", input);
        }
        let ran = crate::support::run(&mut cmd);
        assert_exit(&ran, exit::READY);
        let asset = format!("/v{expected}/wapzi-homolog-v{expected}-{TARGET}.tar.gz");
        assert!(ran.stdout.contains(&asset), "{input:?}: {}", ran.stdout);
        assert!(into.path().join("bin/wapzi-homolog").is_file());
    }
}

#[test]
fn the_install_script_finds_the_asset_of_every_platform_it_names() {
    let targets = [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
    ];
    let dir = release_of(VERSION, &targets);
    let server = FileServer::start(dir.path());
    for target in targets {
        let into = temp_dir();
        let ran = crate::support::run(
            install_command(&server, into.path())
                .env("WAPZI_HOMOLOG_VERSION", VERSION)
                .env("WAPZI_HOMOLOG_TARGET", target),
        );
        assert_exit(&ran, exit::READY);
        assert!(
            ran.stdout.contains(&format!("({target})")),
            "{}",
            ran.stdout
        );
        assert!(into.path().join("bin/wapzi-homolog").is_file(), "{target}");
    }
    // A platform the release does not build: its asset is missing, said so.
    let into = temp_dir();
    let ran = crate::support::run(
        install_command(&server, into.path())
            .env("WAPZI_HOMOLOG_VERSION", VERSION)
            .env("WAPZI_HOMOLOG_TARGET", "riscv64gc-unknown-linux-musl"),
    );
    assert_ne!(ran.code, 0);
    assert!(
        ran.stderr.contains("cannot download") && ran.stderr.contains("riscv64gc"),
        "{}",
        ran.stderr
    );
    assert!(!into.path().join("bin").exists(), "nothing is installed");
}

#[test]
fn every_archive_carries_the_licences_and_the_repository_has_them() {
    let license = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    assert!(license.contains("license = \"MIT OR Apache-2.0\""));
    for file in ["LICENSE-MIT", "LICENSE-APACHE"] {
        assert!(root().join(file).is_file(), "{file}");
    }
    let (dir, asset) = release();
    let listing = crate::support::output(
        Command::new("tar")
            .arg("-tzf")
            .arg(dir.path().join(format!("v{VERSION}/{asset}"))),
    );
    let listing = String::from_utf8_lossy(&listing.stdout);
    for file in [
        "wapzi-homolog",
        "README.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
    ] {
        let entry = format!("wapzi-homolog-v{VERSION}-{TARGET}/{file}");
        assert!(
            listing.lines().any(|l| l == entry),
            "{entry} not in\n{listing}"
        );
    }
}

#[test]
fn the_release_image_is_assembled_from_the_musl_binaries_without_compiling() {
    let (text, release) = read_yaml(".github/workflows/release.yml");
    assert!(!text.contains("macos-13"), "a retired runner");
    assert!(!text.contains("setup-qemu-action"), "no emulated compile");
    let image = &release["jobs"]["image"];
    assert_eq!(image["needs"].as_str(), Some("build"));
    let steps = serde_yaml::to_string(&image["steps"]).unwrap();
    assert!(steps.contains("sha256sum --check"), "{steps}");
    assert!(
        steps.contains("file: .github/release/Dockerfile"),
        "{steps}"
    );
    assert!(steps.contains("linux/amd64,linux/arm64"), "{steps}");
    let dockerfile = std::fs::read_to_string(root().join(".github/release/Dockerfile")).unwrap();
    for line in dockerfile.lines().filter(|l| !l.starts_with('#')) {
        assert!(
            !line.starts_with("RUN "),
            "no command runs in the image's build: {line}"
        );
    }
    assert!(dockerfile
        .contains("COPY --chmod=755 ${TARGETARCH}/wapzi-homolog /usr/local/bin/wapzi-homolog"));
    let publish = serde_yaml::to_string(&release["jobs"]["publish"]).unwrap();
    assert!(publish.contains("cargo publish --locked"), "{publish}");
    assert_eq!(
        release["jobs"]["publish"]["needs"].as_str(),
        Some("release")
    );
}

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).unwrap()
}

fn read_yaml(path: &str) -> (String, Value) {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    let value = yaml(&text);
    (text, value)
}

/// Every `run:` (GitHub) and `script:` (GitLab) command in `value`.
fn commands(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Mapping(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    (Some("run"), Value::String(run)) => found.push(run.clone()),
                    (Some("script" | "before_script"), Value::Sequence(lines)) => {
                        found.extend(lines.iter().filter_map(|l| l.as_str().map(String::from)));
                    }
                    _ => commands(value, found),
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|v| commands(v, found)),
        _ => {}
    }
}

#[test]
fn every_workflow_action_and_recipe_parses_and_no_command_line_carries_the_key() {
    let mut files: Vec<(String, String)> = [".github/workflows/release.yml", "action.yml"]
        .iter()
        .map(|p| (p.to_string(), read_yaml(p).0))
        .collect();
    for from_source in [false, true] {
        files.push((
            format!("github recipe ({from_source})"),
            github_workflow(from_source),
        ));
        files.push((
            format!("gitlab job ({from_source})"),
            gitlab_job(from_source),
        ));
    }
    files.push(("gitlab pipeline".into(), GITLAB_PIPELINE.into()));
    for (name, text) in &files {
        let mut found = Vec::new();
        commands(&yaml(text), &mut found);
        for command in found {
            for secret in ["secrets.", "inputs.api-key", "WAPZI_API_KEY", "--api-key"] {
                assert!(
                    !command.contains(secret),
                    "{name}: `{command}` carries {secret}"
                );
            }
        }
    }
}

#[test]
fn the_release_runs_on_version_tags_and_builds_every_platform() {
    let (text, release) = read_yaml(".github/workflows/release.yml");
    assert_eq!(release["on"]["push"]["tags"][0].as_str(), Some("v*"));
    for target in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(text.contains(&format!("target: {target},")), "{target}");
    }
    for job in ["build", "release", "image"] {
        assert!(release["jobs"][job]["steps"].is_sequence(), "{job}");
    }
    assert_eq!(
        release["jobs"]["release"]["permissions"]["contents"].as_str(),
        Some("write")
    );
    assert_eq!(
        release["jobs"]["image"]["permissions"]["packages"].as_str(),
        Some("write")
    );
    assert!(text.contains("ghcr.io/") && text.contains("SHA256SUMS"));
}

#[test]
fn the_action_is_composite_and_feeds_the_key_through_the_environment() {
    let (_, action) = read_yaml("action.yml");
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    for input in [
        "api-key",
        "base-url",
        "entry-point",
        "checks",
        "args",
        "version",
    ] {
        assert!(
            action["inputs"][input]["description"].is_string(),
            "{input}"
        );
    }
    assert!(action["inputs"]["api-key"]["description"]
        .as_str()
        .unwrap()
        .contains("secrets.WAPZI_API_KEY"));
    let steps = action["runs"]["steps"].as_sequence().unwrap();
    let install = &steps[0];
    assert!(install["run"]
        .as_str()
        .unwrap()
        .contains(".github/action/install.sh"));
    // Not `github.action_ref`, which GitHub does not promise in a composite
    // action: the script falls back to the action's own Cargo.toml.
    assert_eq!(
        install["env"]["WAPZI_HOMOLOG_VERSION"].as_str(),
        Some("${{ inputs.version }}")
    );
    let run = &steps[1];
    assert_eq!(
        run["env"]["WAPZI_API_KEY"].as_str(),
        Some("${{ inputs.api-key }}")
    );
    let upload = &steps[2];
    assert!(upload["uses"]
        .as_str()
        .unwrap()
        .starts_with("actions/upload-artifact@"));
    assert_eq!(upload["if"].as_str(), Some("always()"));
    assert_eq!(upload["with"]["path"].as_str(), Some("reports/"));
    for script in [".github/action/install.sh", ".github/action/run.sh"] {
        let syntax =
            crate::support::output(Command::new("bash").arg("-n").arg(root().join(script))).status;
        assert!(syntax.success(), "{script}");
    }
}

#[test]
fn the_recipes_use_the_action_and_the_image_of_this_version() {
    let github = yaml(&github_workflow(false));
    let steps = github["jobs"]["homologation"]["steps"]
        .as_sequence()
        .unwrap();
    let gate = steps
        .iter()
        .find(|s| s["with"]["api-key"].is_string())
        .unwrap();
    assert_eq!(
        gate["uses"].as_str(),
        Some(format!("wapzi/wapzi-homolog@v{VERSION}").as_str())
    );
    assert_eq!(
        gate["with"]["api-key"].as_str(),
        Some("${{ secrets.WAPZI_API_KEY }}")
    );
    let gitlab = yaml(&gitlab_job(false));
    assert_eq!(
        gitlab["homologation"]["image"]["name"].as_str(),
        Some(format!("ghcr.io/wapzi/wapzi-homolog:{VERSION}-ci").as_str())
    );
    let from_source = yaml(&gitlab_job(true));
    let paths = from_source["homologation"]["cache"]["paths"]
        .as_sequence()
        .unwrap();
    assert_eq!(
        paths.len(),
        2,
        "~/.cargo and target, inside the project for GitLab"
    );
    let github = yaml(&github_workflow(true));
    let steps = github["jobs"]["homologation"]["steps"]
        .as_sequence()
        .unwrap();
    let cache = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/cache@"))
        })
        .unwrap();
    let cached = cache["with"]["path"].as_str().unwrap();
    assert!(
        cached.contains("~/.cargo/") && cached.contains("target"),
        "{cached}"
    );
}

#[test]
fn binstall_points_at_the_assets_the_release_packages() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let field = |name: &str| {
        manifest
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} = \"")))
            .and_then(|rest| rest.strip_suffix('"'))
            .unwrap_or_else(|| panic!("{name} missing from Cargo.toml"))
            .to_string()
    };
    let fill = |template: String| {
        template
            .replace("{ repo }", "https://github.com/wapzi/wapzi-homolog")
            .replace("{ name }", "wapzi-homolog")
            .replace("{ version }", VERSION)
            .replace("{ target }", TARGET)
            .replace("{ archive-suffix }", ".tar.gz")
            .replace("{ bin }", "wapzi-homolog")
            .replace("{ binary-ext }", "")
    };
    assert_eq!(
        field("repository"),
        "https://github.com/wapzi/wapzi-homolog"
    );
    assert_eq!(
        fill(field("pkg-url")),
        format!("https://github.com/wapzi/wapzi-homolog/releases/download/v{VERSION}/wapzi-homolog-v{VERSION}-{TARGET}.tar.gz")
    );
    assert_eq!(field("pkg-fmt"), "tgz");
    // The archive release() packages holds the binary where bin-dir says.
    let (dir, asset) = release();
    let listing = crate::support::output(
        Command::new("tar")
            .arg("-tzf")
            .arg(dir.path().join(format!("v{VERSION}/{asset}"))),
    );
    let listing = String::from_utf8_lossy(&listing.stdout);
    let bin_dir = fill(field("bin-dir"));
    assert!(
        listing.lines().any(|l| l == bin_dir),
        "{bin_dir} not in\n{listing}"
    );
}

#[test]
fn the_dockerfile_builds_a_static_binary_into_a_non_root_distroless_image() {
    let text = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    let mut stages: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
        if let Some(from) = line.strip_prefix("FROM ") {
            stages.push((from.to_string(), Vec::new()));
        } else if let Some((_, lines)) = stages.last_mut() {
            lines.push(line.to_string());
        }
    }
    assert!(stages.len() >= 2, "multi-stage: {stages:?}");
    let (build, build_lines) = &stages[0];
    assert!(
        build.contains("alpine") && build.ends_with(" AS build"),
        "musl build stage: {build}"
    );
    assert!(build_lines
        .iter()
        .any(|l| l.contains("cargo build --release --locked")));
    let (last, _) = stages.last().unwrap();
    assert!(
        last.starts_with("gcr.io/distroless/static") || last.starts_with("scratch"),
        "final stage: {last}"
    );
    for (from, lines) in &stages[1..] {
        let user = lines
            .iter()
            .filter_map(|l| l.strip_prefix("USER "))
            .next_back()
            .unwrap_or_else(|| panic!("{from}: no USER"));
        assert!(!["root", "0", "0:0"].contains(&user), "{from}: USER {user}");
        assert!(
            lines.contains(&r#"ENTRYPOINT ["/usr/local/bin/wapzi-homolog"]"#.to_string()),
            "{from}"
        );
        assert!(lines
            .iter()
            .any(|l| l.starts_with("COPY --from=build /wapzi-homolog ")));
    }
}
