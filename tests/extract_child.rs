//! The analysis child runner: limits, timeouts, crashes and bad output (DESIGN §3).

use std::process::Command;
use std::time::{Duration, Instant};

use kasa::ingest::extract::{ExtractError, Limits, run_child};

fn sh(script: &str) -> Command {
    let mut c = Command::new("/bin/sh");
    c.arg("-c").arg(script);
    c
}

fn quick() -> Limits {
    Limits {
        cpu_seconds: 5,
        memory_bytes: 256 << 20,
        wall: Duration::from_secs(5),
    }
}

#[test]
fn good_json_line() {
    let a = run_child(
        sh(r#"echo '{"kind":"application/pdf","pages":2,"text":"Nomor : 1","note":null}'"#),
        &quick(),
    )
    .unwrap();
    assert_eq!(a.kind, "application/pdf");
    assert_eq!(a.pages, Some(2));
    assert_eq!(a.text.as_deref(), Some("Nomor : 1"));
}

#[test]
fn wall_timeout_kills_the_group() {
    let limits = Limits {
        wall: Duration::from_millis(300),
        ..quick()
    };
    let t = Instant::now();
    // `sleep` is a grandchild holding stdout: it must die with the group or this would hang.
    let err = run_child(sh("sleep 100; echo done"), &limits).unwrap_err();
    assert!(matches!(err, ExtractError::Timeout(_)), "{err:?}");
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[test]
fn segfault_is_a_crash_with_stderr() {
    let err = run_child(sh("echo boom >&2; kill -SEGV $$"), &quick()).unwrap_err();
    match err {
        ExtractError::Crashed { signal, stderr, .. } => {
            assert_eq!(signal, Some(libc::SIGSEGV));
            assert!(stderr.contains("boom"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn nonzero_exit_is_a_crash() {
    let err = run_child(sh("exit 3"), &quick()).unwrap_err();
    assert!(
        matches!(
            err,
            ExtractError::Crashed {
                code: Some(3),
                signal: None,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn endless_output_is_bounded() {
    let t = Instant::now();
    let err = run_child(sh("yes"), &quick()).unwrap_err();
    assert!(matches!(err, ExtractError::BadOutput(_)), "{err:?}");
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[test]
fn not_json_is_bad_output() {
    let err = run_child(sh("echo hello"), &quick()).unwrap_err();
    assert!(matches!(err, ExtractError::BadOutput(_)), "{err:?}");
    let err = run_child(sh("true"), &quick()).unwrap_err();
    assert!(matches!(err, ExtractError::BadOutput(_)), "{err:?}");
}

#[test]
fn cpu_limit_stops_a_spinner() {
    let limits = Limits {
        cpu_seconds: 1,
        wall: Duration::from_secs(10),
        ..quick()
    };
    let err = run_child(sh("while :; do :; done"), &limits).unwrap_err();
    match err {
        ExtractError::Crashed { signal, .. } => {
            assert!(
                matches!(signal, Some(libc::SIGXCPU) | Some(libc::SIGKILL)),
                "{signal:?}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn memory_limit_stops_a_hog() {
    let limits = Limits {
        memory_bytes: 256 << 20,
        ..quick()
    };
    let has_python = Command::new("python3")
        .arg("-c")
        .arg("pass")
        .output()
        .is_ok_and(|o| o.status.success());
    if has_python {
        // 2 GiB under a 256 MiB address-space limit: a clean MemoryError, exit status 1.
        let mut hog = Command::new("python3");
        hog.arg("-c")
            .arg("x = bytearray(2**31); print('allocated')");
        match run_child(hog, &limits).unwrap_err() {
            ExtractError::Crashed { stderr, .. } => {
                assert!(stderr.contains("MemoryError"), "{stderr}")
            }
            other => panic!("{other:?}"),
        }
    } else {
        // A shell doubling a string until allocation fails.
        let err = run_child(sh("x=a; while :; do x=$x$x; done"), &limits).unwrap_err();
        assert!(matches!(err, ExtractError::Crashed { .. }), "{err:?}");
    }
}

#[test]
fn missing_program_is_a_spawn_error() {
    let err = run_child(Command::new("/nonexistent/kasa"), &quick()).unwrap_err();
    assert!(matches!(err, ExtractError::Spawn(_)), "{err:?}");
}
