//! Documents are written 0600 with O_EXCL whatever the umask (its own test binary: it changes the
//! process umask).

use std::os::unix::fs::PermissionsExt;

#[test]
fn tulis_is_0600_exclusive_whatever_the_umask() {
    let d = tempfile::tempdir().unwrap();
    for (i, mask) in [0o000, 0o022, 0o277, 0o777].into_iter().enumerate() {
        let p = d.path().join(format!("dok-{i}.pdf"));
        // SAFETY: umask only changes this process's file-creation mask; this binary has one test.
        let old = unsafe { libc::umask(mask) };
        let r = kasa::doc::tulis(&p, b"isi");
        unsafe { libc::umask(old) };
        r.unwrap();
        let m = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(m, 0o600, "umask {mask:o}");
        let again = kasa::doc::tulis(&p, b"lain").unwrap_err();
        assert!(again.contains("sudah ada"), "{again}");
        assert_eq!(std::fs::read(&p).unwrap(), b"isi", "never overwritten");
    }
}
