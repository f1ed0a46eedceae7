//! Interoperability with the reference `age` tool (Debian package `age`), both ways, binary and armored.
//! These tests FAIL (they do not skip) when `age` is missing: CI installs it.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use kasa::crypto::age::{self, Armor, CHUNK_SIZE, Decryptor, Identity};

const SIZES: [usize; 5] = [0, 1, 65536, 65537, 5 * 1024 * 1024];

fn require_age() {
    let ok = Command::new("age")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "the reference `age` tool is not on PATH: install the Debian package `age` \
         (apt-get install age); the interop tests need it and do not skip"
    );
}

fn data(len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    let mut x: u32 = 0x1234_5678 ^ len as u32;
    for b in v.iter_mut() {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *b = x as u8;
    }
    v
}

fn write_identity(dir: &Path, id: &Identity) -> std::path::PathBuf {
    let p = dir.join("key.txt");
    std::fs::write(&p, format!("{}\n", id.to_bech32().as_str())).unwrap();
    p
}

fn age_decrypt(key: &Path, ct: &[u8]) -> Vec<u8> {
    let mut child = Command::new("age")
        .args(["-d", "-i"])
        .arg(key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let ct = ct.to_vec();
    let feeder = std::thread::spawn(move || stdin.write_all(&ct));
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "age -d failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn age_encrypt(recipient: &str, pt: &[u8], armor: bool) -> Vec<u8> {
    let mut cmd = Command::new("age");
    cmd.args(["-r", recipient]);
    if armor {
        cmd.arg("-a");
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let pt = pt.to_vec();
    let feeder = std::thread::spawn(move || stdin.write_all(&pt));
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "age -r failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn kasa_encrypts_age_decrypts() {
    require_age();
    let dir = tempfile::tempdir().unwrap();
    let id = Identity::generate();
    let key = write_identity(dir.path(), &id);
    for armor in [Armor::Binary, Armor::Armored] {
        for len in SIZES {
            let pt = data(len);
            let mut ct = Vec::new();
            age::encrypt(&mut &pt[..], &mut ct, &[id.recipient()], armor).unwrap();
            if armor == Armor::Armored {
                assert!(ct.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----\n"));
            }
            assert!(age_decrypt(&key, &ct) == pt, "size {len} {armor:?}");
            // Large writes take the encryptor's direct path (a whole chunk encrypted from the
            // caller's bytes); the reference tool reads the same plaintext back.
            for piece in [usize::MAX, 1 << 20, 100_000, CHUNK_SIZE] {
                let mut ct = Vec::new();
                let mut enc = age::Encryptor::new(&mut ct, &[id.recipient()], armor).unwrap();
                for w in pt.chunks(piece.min(pt.len().max(1))) {
                    enc.write_all(w).unwrap();
                }
                enc.finish().unwrap();
                assert!(
                    age_decrypt(&key, &ct) == pt,
                    "size {len} {armor:?} in writes of {piece}"
                );
            }
        }
    }
}

#[test]
fn age_encrypts_kasa_decrypts() {
    require_age();
    let id = Identity::generate();
    let recipient = id.recipient().to_string();
    for armor in [false, true] {
        for len in SIZES {
            let pt = data(len);
            let ct = age_encrypt(&recipient, &pt, armor);
            let mut back = Vec::new();
            Decryptor::new_auto(&ct[..], std::slice::from_ref(&id))
                .unwrap()
                .decrypt_to(&mut back)
                .unwrap();
            assert!(back == pt, "size {len} armor {armor}");
        }
    }
}

#[test]
fn age_keygen_identity_parses() {
    require_age();
    let out = Command::new("age-keygen")
        .output()
        .expect("age-keygen (Debian package `age`)");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let secret = text
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
        .unwrap();
    let public = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap();
    let id = Identity::parse(secret).unwrap();
    assert_eq!(id.recipient().to_string(), public);
    assert_eq!(id.to_bech32().as_str(), secret);
}

#[test]
fn multiple_recipients_each_open_with_age() {
    require_age();
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<Identity> = (0..3).map(|_| Identity::generate()).collect();
    let rs: Vec<_> = ids.iter().map(Identity::recipient).collect();
    let pt = data(70_000);
    let mut ct = Vec::new();
    age::encrypt(&mut &pt[..], &mut ct, &rs, Armor::Binary).unwrap();
    for (i, id) in ids.iter().enumerate() {
        let sub = dir.path().join(i.to_string());
        std::fs::create_dir(&sub).unwrap();
        assert!(age_decrypt(&write_identity(&sub, id), &ct) == pt);
    }
}

/// Runs `age ARGS` in a private tmux server (age reads passphrases from the terminal only) and types
/// `passphrase` at each of its `prompts` prompts. Returns the exit status.
fn age_with_passphrase(dir: &Path, args: &[&str], passphrase: &str, prompts: usize) -> i32 {
    let sock = format!("kasa-age-{}-{}", std::process::id(), prompts);
    let rc = dir.join(format!("rc-{prompts}"));
    let cmdline = format!("age {} ; echo $? > {}", args.join(" "), rc.display());
    let tmux = |a: &[&str]| {
        Command::new("tmux")
            .arg("-L")
            .arg(&sock)
            .args(a)
            .output()
            .expect("tmux is installed (CI installs it)")
    };
    let o = tmux(&[
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "200",
        "-y",
        "20",
        &cmdline,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    // age redraws its prompt line, so a prompt is "new" when the screen differs from the last one
    // answered.
    let mut typed = 0;
    let mut answered = String::new();
    while !rc.exists() {
        assert!(std::time::Instant::now() < deadline, "age did not finish");
        let screen = String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", "t"]).stdout)
            .to_lowercase();
        if typed < prompts && screen.contains("passphrase") && screen != answered {
            tmux(&["send-keys", "-t", "t", "-l", passphrase]);
            tmux(&["send-keys", "-t", "t", "Enter"]);
            typed += 1;
            answered = screen;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = tmux(&["kill-server"]);
    std::fs::read_to_string(&rc)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn scrypt_passphrase_files_both_ways() {
    use kasa::crypto::age::{AnyRecipient, Encryptor, ScryptIdentity, ScryptRecipient};
    require_age();
    let dir = tempfile::tempdir().unwrap();
    let pass = "kata sandi berkas rahasia";
    let pt = data(70_000);
    // kasa seals to a passphrase, age opens it.
    let ct_path = dir.path().join("kasa.age");
    {
        let f = std::fs::File::create(&ct_path).unwrap();
        let r = ScryptRecipient::new(pass.as_bytes())
            .with_work_factor(14)
            .unwrap();
        let mut enc = Encryptor::new_any(f, &[AnyRecipient::Scrypt(r)], Armor::Binary).unwrap();
        enc.write_all(&pt).unwrap();
        enc.finish().unwrap();
    }
    let out = dir.path().join("kasa.out");
    let rc = age_with_passphrase(
        dir.path(),
        &["-d", "-o", out.to_str().unwrap(), ct_path.to_str().unwrap()],
        pass,
        1,
    );
    assert_eq!(rc, 0, "age could not open kasa's scrypt file");
    assert_eq!(std::fs::read(&out).unwrap(), pt);
    // age seals to a passphrase (armored), kasa opens it; a wrong passphrase is "no match".
    let src = dir.path().join("plain.bin");
    std::fs::write(&src, &pt).unwrap();
    let age_ct = dir.path().join("age.age");
    let rc = age_with_passphrase(
        dir.path(),
        &[
            "-p",
            "-a",
            "-o",
            age_ct.to_str().unwrap(),
            src.to_str().unwrap(),
        ],
        pass,
        2,
    );
    assert_eq!(rc, 0, "age could not encrypt with a passphrase");
    let ct = std::fs::read(&age_ct).unwrap();
    let mut back = Vec::new();
    Decryptor::new_auto(&ct[..], &[ScryptIdentity::new(pass.as_bytes())])
        .unwrap()
        .decrypt_to(&mut back)
        .unwrap();
    assert_eq!(back, pt);
    let wrong = Decryptor::new_auto(&ct[..], &[ScryptIdentity::new(b"salah")]);
    assert_eq!(
        wrong.err().map(|e| e.class()),
        Some(age::AgeErrorClass::NoMatch)
    );
}
