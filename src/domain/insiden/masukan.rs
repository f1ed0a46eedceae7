//! What a handler types during a response, read into its parts: the event time (`@04:55`,
//! `@2026-12-01 04:55` or a `2026-12-01 04:55` prefix), the person who acted (`@Wayan_Sudarma`), step
//! codes, a custody handover (`1 Budi > Wayan di Lemari bukti @05:40`), a correction (`7 teks ! alasan`).
//!
//! Shared by the console's prompts and the CLI so both read a line the same way. Pure: the node
//! time and zone come in as arguments; an hour without a date is the latest such minute not after
//! `now` (typing `@23:50` at 00:10 means yesterday).

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;

use crate::domain::DomainError;

/// A line with its leading marks taken off.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Baris {
    /// The event time, when one was given.
    pub waktu: Option<Timestamp>,
    /// Who performed it (`@Nama_Lengkap`, `_` for spaces), when not the typist.
    pub pelaksana: Option<String>,
    /// The rest of the line.
    pub teks: String,
}

fn jam(s: &str) -> Option<Time> {
    let s = s.replace('.', ":");
    let (h, m) = s.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
}

fn looks_like_time(s: &str) -> bool {
    let s = s.trim_start_matches('@');
    !s.is_empty()
        && s.chars().next().is_some_and(|c| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_digit() || ":.-T".contains(c))
}

fn tanggal(s: &str) -> Option<Date> {
    s.parse::<Date>().ok()
}

fn bad_time(s: &str) -> DomainError {
    DomainError(format!(
        "waktu '{s}' tidak terbaca: tulis @HH:MM (mis. @04:55) atau @YYYY-MM-DD HH:MM (mis. @2026-12-01 04:55)"
    ))
}

fn civil(dt: DateTime, tz: &TimeZone, s: &str) -> Result<Timestamp, DomainError> {
    dt.to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .map_err(|_| bad_time(s))
}

/// Reads a time token at the start of `words` (`@04:55`, `@2026-12-01 04:55`, `@2026-12-01T04:55`,
/// or without `@` a `2026-12-01 04:55` pair) and returns it with the number of words used.
fn waktu_di_depan(
    words: &[&str],
    now: Timestamp,
    tz: &TimeZone,
) -> Result<Option<(Timestamp, usize)>, DomainError> {
    let Some(first) = words.first() else {
        return Ok(None);
    };
    let has_at = first.starts_with('@');
    let w = first.trim_start_matches('@');
    if !looks_like_time(first) {
        return Ok(None);
    }
    if let Some((d, t)) = w.split_once('T') {
        let (Some(d), Some(t)) = (tanggal(d), jam(t)) else {
            return Err(bad_time(first));
        };
        return Ok(Some((civil(d.to_datetime(t), tz, first)?, 1)));
    }
    if let Some(d) = tanggal(w) {
        let Some(t) = words.get(1).and_then(|t| jam(t)) else {
            return Err(bad_time(first));
        };
        return Ok(Some((civil(d.to_datetime(t), tz, first)?, 2)));
    }
    if !has_at {
        // A bare number or hour at the start of a line is text ("3 server mati"), not a time.
        return Ok(None);
    }
    let t = jam(w).ok_or_else(|| bad_time(first))?;
    let today = now.to_zoned(tz.clone()).date();
    let mut at = civil(today.to_datetime(t), tz, first)?;
    if at > now {
        let yesterday = today.yesterday().map_err(|_| bad_time(first))?;
        at = civil(yesterday.to_datetime(t), tz, first)?;
    }
    Ok(Some((at, 1)))
}

/// Reads the leading marks of a log line: any of an event time and `@pelaksana`, in either order,
/// then the text. `@Komang_Adi @04:55 kabel dicabut` → pelaksana `Komang Adi`, 04:55 of today,
/// `kabel dicabut`. Errors: a mark that looks like a time and is not one.
pub fn baca_baris(v: &str, now: Timestamp, tz: &TimeZone) -> Result<Baris, DomainError> {
    let words: Vec<&str> = v.split_whitespace().collect();
    let mut b = Baris::default();
    let mut i = 0;
    loop {
        if b.waktu.is_none()
            && let Some((t, n)) = waktu_di_depan(&words[i..], now, tz)?
        {
            b.waktu = Some(t);
            i += n;
            continue;
        }
        match words.get(i) {
            Some(w) if b.pelaksana.is_none() && w.len() > 1 && w.starts_with('@') => {
                b.pelaksana = Some(w[1..].replace('_', " "));
                i += 1;
            }
            _ => break,
        }
    }
    b.teks = words[i.min(words.len())..].join(" ");
    Ok(b)
}

/// A tick typed as `A1 [A2…] [@pelaksana] [@waktu]` (marks anywhere: codes never start with `@`).
/// Returns the step codes (upper case) and the marks. Errors: no code; a bad time.
pub fn baca_centang(
    v: &str,
    now: Timestamp,
    tz: &TimeZone,
) -> Result<(Vec<String>, Baris), DomainError> {
    let words: Vec<&str> = v.split_whitespace().collect();
    let (marks, codes): (Vec<&str>, Vec<&str>) = {
        let mut marks = Vec::new();
        let mut codes = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let w = words[i];
            if w.starts_with('@') {
                marks.push(w);
                // `@2026-12-01 04:55`: the hour belongs to the mark.
                if tanggal(w.trim_start_matches('@')).is_some()
                    && let Some(h) = words.get(i + 1)
                {
                    marks.push(h);
                    i += 1;
                }
            } else {
                codes.push(w);
            }
            i += 1;
        }
        (marks, codes)
    };
    let b = baca_baris(&marks.join(" "), now, tz)?;
    if !b.teks.is_empty() {
        return Err(DomainError(format!(
            "'{}' tidak terbaca: tulis kode langkah lalu @nama dan/atau @HH:MM, mis. `A1 @Wayan_Sudarma @05:52`",
            b.teks
        )));
    }
    if codes.is_empty() {
        return Err(DomainError(
            "kode langkah kosong: tulis kodenya, mis. `A1` atau `A1 @Wayan_Sudarma @05:52`".into(),
        ));
    }
    Ok((codes.iter().map(|c| c.to_uppercase()).collect(), b))
}

/// A custody handover typed as `NO dari > ke di tempat [@waktu]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerahTerimaBaris {
    pub no: u32,
    pub dari: String,
    pub ke: String,
    pub tempat: String,
    pub waktu: Option<Timestamp>,
}

/// Reads `1 Budi Santoso > Wayan Sudarma di Lemari bukti R.2 @05:40` (`_` also stands for a space;
/// the time mark may stand anywhere). Errors name the expected shape.
pub fn baca_serah_terima(
    v: &str,
    now: Timestamp,
    tz: &TimeZone,
) -> Result<SerahTerimaBaris, DomainError> {
    let shape =
        "tulis `NO dari > ke di tempat [@HH:MM]`, mis. `1 Budi > Wayan di Lemari bukti @05:40`";
    let words: Vec<&str> = v.split_whitespace().collect();
    let mut waktu = None;
    let mut rest = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if waktu.is_none()
            && words[i].starts_with('@')
            && let Some((t, n)) = waktu_di_depan(&words[i..], now, tz)?
        {
            waktu = Some(t);
            i += n;
            continue;
        }
        rest.push(words[i]);
        i += 1;
    }
    let line = rest.join(" ").replace('_', " ");
    let (no, line) = line
        .split_once(' ')
        .ok_or_else(|| DomainError(format!("serah terima tidak lengkap: {shape}")))?;
    let no: u32 = no
        .trim_start_matches('#')
        .parse()
        .map_err(|_| DomainError(format!("nomor bukti '{no}' bukan angka: {shape}")))?;
    let (dari, after) = line.split_once('>').ok_or_else(|| {
        DomainError(format!(
            "tanda '>' antara pemberi dan penerima tidak ada: {shape}"
        ))
    })?;
    let (ke, tempat) = after.rsplit_once(" di ").ok_or_else(|| {
        DomainError(format!(
            "tempat serah terima tidak ada (kata 'di'): {shape}"
        ))
    })?;
    let (dari, ke, tempat) = (dari.trim(), ke.trim(), tempat.trim());
    if dari.is_empty() || ke.is_empty() || tempat.is_empty() {
        return Err(DomainError(format!("serah terima tidak lengkap: {shape}")));
    }
    Ok(SerahTerimaBaris {
        no,
        dari: dari.into(),
        ke: ke.into(),
        tempat: tempat.into(),
        waktu,
    })
}

/// A correction typed as `NO [@waktu] teks ! alasan`: entry number, the corrected text (with an
/// optional corrected event time) and the reason. Errors name the expected shape.
pub fn baca_koreksi(
    v: &str,
    now: Timestamp,
    tz: &TimeZone,
) -> Result<(u32, Baris, String), DomainError> {
    let shape =
        "tulis `NO teks yang benar ! alasan`, mis. `4 @04:55 email phishing dibuka ! jam keliru`";
    let v = v.trim();
    let (no, rest) = v
        .split_once(char::is_whitespace)
        .ok_or_else(|| DomainError(format!("koreksi tidak lengkap: {shape}")))?;
    let no: u32 = no
        .trim_start_matches('#')
        .parse()
        .map_err(|_| DomainError(format!("nomor entri '{no}' bukan angka: {shape}")))?;
    let (teks, alasan) = rest
        .rsplit_once('!')
        .ok_or_else(|| DomainError(format!("alasan koreksi tidak ada (setelah '!'): {shape}")))?;
    let b = baca_baris(teks, now, tz)?;
    Ok((no, b, alasan.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wita() -> TimeZone {
        TimeZone::get("Asia/Makassar").unwrap()
    }
    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn leading_time_and_person_in_either_order() {
        let now = t("2026-12-01T05:50:00+08:00");
        let b = baca_baris("@04:55 email phishing dibuka", now, &wita()).unwrap();
        assert_eq!(b.waktu, Some(t("2026-12-01T04:55:00+08:00")));
        assert_eq!(b.teks, "email phishing dibuka");
        let b = baca_baris("@Komang_Adi @04:55 kabel dicabut", now, &wita()).unwrap();
        assert_eq!(b.pelaksana.as_deref(), Some("Komang Adi"));
        assert_eq!(b.waktu, Some(t("2026-12-01T04:55:00+08:00")));
        assert_eq!(b.teks, "kabel dicabut");
        let b = baca_baris("2026-11-30 22:10 login gagal 40x", now, &wita()).unwrap();
        assert_eq!(b.waktu, Some(t("2026-11-30T22:10:00+08:00")));
        assert_eq!(b.teks, "login gagal 40x");
        let b = baca_baris("@2026-11-30T22:10 x", now, &wita()).unwrap();
        assert_eq!(b.waktu, Some(t("2026-11-30T22:10:00+08:00")));
        // Plain text keeps its numbers and @ in the middle.
        let b = baca_baris("3 server mati, lapor @admin", now, &wita()).unwrap();
        assert_eq!(
            b,
            Baris {
                teks: "3 server mati, lapor @admin".into(),
                ..Baris::default()
            }
        );
    }

    #[test]
    fn an_hour_later_than_now_is_yesterday() {
        let now = t("2026-12-01T00:10:00+08:00");
        let b = baca_baris("@23:50 x", now, &wita()).unwrap();
        assert_eq!(b.waktu, Some(t("2026-11-30T23:50:00+08:00")));
    }

    #[test]
    fn a_bad_time_is_refused_with_the_shape() {
        let now = t("2026-12-01T05:50:00+08:00");
        let e = baca_baris("@25:99 x", now, &wita()).unwrap_err();
        assert!(e.0.contains("@HH:MM"), "{e:?}");
    }

    #[test]
    fn ticks_read_codes_person_and_time_anywhere() {
        let now = t("2026-12-01T06:00:00+08:00");
        let (k, b) = baca_centang("a1 @Wayan_Sudarma @05:52", now, &wita()).unwrap();
        assert_eq!(k, ["A1"]);
        assert_eq!(b.pelaksana.as_deref(), Some("Wayan Sudarma"));
        assert_eq!(b.waktu, Some(t("2026-12-01T05:52:00+08:00")));
        let (k, b) = baca_centang("@05:52 A4 A5", now, &wita()).unwrap();
        assert_eq!(k, ["A4", "A5"]);
        assert!(b.pelaksana.is_none());
        assert!(baca_centang("@Wayan", now, &wita()).is_err());
    }

    #[test]
    fn custody_and_correction_lines() {
        let now = t("2026-12-01T06:00:00+08:00");
        let s = baca_serah_terima(
            "1 Budi Santoso > Wayan_Sudarma di Lemari bukti R.2 @05:40",
            now,
            &wita(),
        )
        .unwrap();
        assert_eq!(
            s,
            SerahTerimaBaris {
                no: 1,
                dari: "Budi Santoso".into(),
                ke: "Wayan Sudarma".into(),
                tempat: "Lemari bukti R.2".into(),
                waktu: Some(t("2026-12-01T05:40:00+08:00")),
            }
        );
        assert!(
            baca_serah_terima("1 Budi Wayan di Lemari", now, &wita())
                .unwrap_err()
                .0
                .contains("'>'")
        );
        let (no, b, a) = baca_koreksi("4 @04:55 email dibuka ! jam keliru", now, &wita()).unwrap();
        assert_eq!(
            (no, b.teks.as_str(), a.as_str()),
            (4, "email dibuka", "jam keliru")
        );
        assert_eq!(b.waktu, Some(t("2026-12-01T04:55:00+08:00")));
        assert!(baca_koreksi("4 email dibuka", now, &wita()).is_err());
    }
}
