//! The binary's commands, as operators run them.

use std::process::Command;

use crate::helpers::data_dir;

#[test]
fn migrate_and_check_work_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("cli.db").display());
    let data = data_dir();
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_intake")).args(args).output().expect("runs");
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    run(&["migrate", "--database-url", &url]);
    assert!(dir.path().join("cli.db").exists(), "migrate creates the database");
    assert!(run(&["check", "--data", data.to_str().expect("utf-8")]).contains("537 centres"));
}
