//! The engine process's guarantees, with shell scripts standing in for engines.

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use super::*;

fn shell_engine(script: &str) -> EngineConfig {
    EngineConfig {
        program: "sh".into(),
        args: vec!["-c".into(), script.into()],
        model: "none".into(),
        threads: 1,
        use_gpu: false,
        item_timeout_secs: 60,
        phase_timeout_secs: 60,
    }
}

/// Dead: gone, or a zombie waiting for its parent.
fn is_dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

async fn until_dead(pid: u32) -> bool {
    for _ in 0..200 {
        if is_dead(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}

#[tokio::test]
async fn killing_an_engine_kills_what_it_started_too() {
    let config = shell_engine("sleep 300 & echo $!; wait");
    let mut engine = EngineProcess::spawn(&config, b"").await.unwrap();
    let grandchild: u32 = engine.next_line().await.unwrap().unwrap().parse().unwrap();
    assert!(!is_dead(grandchild));
    engine.kill().await;
    assert!(
        until_dead(grandchild).await,
        "the engine's child {grandchild} lives on"
    );
}

#[tokio::test]
async fn an_engine_writing_megabytes_of_binary_to_stderr_is_never_blocked() {
    // Far more than a pipe holds, and not UTF-8: unread, it would block the engine forever.
    let config = shell_engine("head -c 2000000 /dev/urandom >&2; echo done");
    let mut engine = EngineProcess::spawn(&config, b"").await.unwrap();
    let line = tokio::time::timeout(Duration::from_secs(60), engine.next_line()).await;
    assert_eq!(line.unwrap().unwrap().as_deref(), Some("done"));
}

#[tokio::test]
async fn a_gigantic_stdout_line_is_cut_and_the_next_line_still_read() {
    let config = shell_engine("head -c 40000000 /dev/zero | tr '\\0' a; echo; echo next");
    let mut engine = EngineProcess::spawn(&config, b"").await.unwrap();
    let long = engine.next_line().await.unwrap().unwrap();
    assert_eq!(long.len(), MAX_EVENT_LINE);
    assert_eq!(engine.next_line().await.unwrap().as_deref(), Some("next"));
}

fn disguised_sleep(name: &str) -> std::process::Child {
    std::process::Command::new("bash")
        .args(["-c", &format!("exec -a {name} sleep 300")])
        .spawn()
        .unwrap()
}

#[test]
fn a_left_over_engine_is_known_by_its_executable_not_its_command_line() {
    let mut config = SchedulerConfig::default();
    // Its command line says "viva-eval", but it runs sleep: not ours, left alone.
    let mut impostor = disguised_sleep("viva-eval");
    let pid = i32::try_from(impostor.id()).unwrap();
    // `exec -a` has happened once /proc shows the new executable.
    let execed = || {
        std::fs::read_link(format!("/proc/{pid}/exe"))
            .is_ok_and(|exe| exe.to_string_lossy().contains("sleep"))
    };
    for _ in 0..500 {
        if execed() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(execed());
    kill_orphan(pid, &config);
    assert!(
        impostor.try_wait().unwrap().is_none(),
        "an impostor was killed"
    );

    // Configured as the engine, the same executable is ours and is killed.
    config.eval.program = "sleep".into();
    kill_orphan(pid, &config);
    assert_eq!(impostor.wait().unwrap().signal(), Some(9));
}

#[test]
fn a_left_over_wrapper_script_is_known_by_the_script_its_shell_runs() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("run-eval.sh");
    std::fs::write(&script, "#!/bin/sh\nsleep 300\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    // Its own process group, as the scheduler starts engines. A test thread forking while
    // the script was open for writing makes exec fail with "text file busy" for a moment.
    use std::os::unix::process::CommandExt;
    let start = || std::process::Command::new(&script).process_group(0).spawn();
    let mut spawned = start();
    for _ in 0..100 {
        match &spawned {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(Duration::from_millis(10));
                spawned = start();
            }
            _ => break,
        }
    }
    let mut wrapper = spawned.unwrap();
    let pid = i32::try_from(wrapper.id()).unwrap();
    // Until the exec, /proc shows the forked test process: wait for the shell.
    let running_script = || {
        std::fs::read(format!("/proc/{pid}/cmdline"))
            .is_ok_and(|c| String::from_utf8_lossy(&c).contains("run-eval.sh"))
    };
    for _ in 0..500 {
        if running_script() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(running_script());

    kill_orphan(pid, &SchedulerConfig::default());
    assert!(
        wrapper.try_wait().unwrap().is_none(),
        "not configured: left alone"
    );
    let mut config = SchedulerConfig::default();
    config.eval.program = script;
    kill_orphan(pid, &config);
    let mut ended = None;
    for _ in 0..500 {
        ended = wrapper.try_wait().unwrap();
        if ended.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = wrapper.kill();
    let _ = wrapper.wait();
    assert_eq!(
        ended.and_then(|s| s.signal()),
        Some(9),
        "the wrapper was not killed"
    );
}
