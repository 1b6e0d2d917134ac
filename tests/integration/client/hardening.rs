//! `client` hardened (issue 23): the command's environment, its process
//! tree and what reaches output of the keys it holds.

use wapzi_homolog::exit;

use crate::support::{assert_exit, bin, run, temp_dir};

#[test]
fn the_command_gets_no_proxy_for_the_recorder_and_a_proxy_is_said() {
    let dir = temp_dir();
    let out = dir.path().join("env.txt");
    let ran = run(bin()
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("NO_PROXY", "corp.example")
        .env("OUT", &out)
        .args(["client", "--no-reports", "--"])
        .args([
            "sh",
            "-c",
            r#"printf '%s|%s' "$NO_PROXY" "$no_proxy" > "$OUT""#,
        ]));
    assert_exit(&ran, exit::INCOMPLETE);
    let seen = std::fs::read_to_string(&out).unwrap();
    let wanted = "corp.example,127.0.0.1,localhost,::1";
    assert_eq!(seen, format!("{wanted}|{wanted}"));
    assert!(
        ran.stderr.contains("HTTP_PROXY set in the environment"),
        "{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains("127.0.0.1:9"), "{}", ran.stderr);
}
