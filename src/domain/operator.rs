//! Operators: the people behind the Unix uids that talk to the node (DESIGN §1).

use serde::{Deserialize, Serialize};

/// The role of an operator in the disposisi chain Kadis → Kabid → Kasi → Sandiman, plus `admin`
/// (manages operators and configuration). Source: GLOSSARY, seeds 004 steps 1–4.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Kadis,
    Kabid,
    Kasi,
    Sandiman,
    Admin,
}

impl Role {
    /// All roles, in chain order (admin last).
    pub const ALL: [Role; 5] = [
        Role::Kadis,
        Role::Kabid,
        Role::Kasi,
        Role::Sandiman,
        Role::Admin,
    ];

    /// The lowercase name used in the CLI and files.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Kadis => "kadis",
            Role::Kabid => "kabid",
            Role::Kasi => "kasi",
            Role::Sandiman => "sandiman",
            Role::Admin => "admin",
        }
    }

    /// Parses a role name (case-insensitive). Errors name the accepted values.
    pub fn parse(s: &str) -> Result<Role, String> {
        let l = s.trim().to_lowercase();
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == l)
            .ok_or_else(|| {
                format!("unknown role '{s}': use one of kadis, kabid, kasi, sandiman, admin")
            })
    }
}

/// An operator record, keyed by Unix uid. Never deleted: disabled operators keep their history.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// Unix uid as seen by SO_PEERCRED.
    pub uid: u32,
    /// Unix user name (informational; the uid is authoritative).
    pub username: String,
    /// Full name (nama), e.g. "Ni Made Sari, S.Kom".
    pub nama: String,
    /// NIP (18-digit civil-servant number), free text to allow older formats.
    #[serde(default)]
    pub nip: String,
    /// Jabatan (post), e.g. "Sandiman Ahli Pertama".
    #[serde(default)]
    pub jabatan: String,
    pub role: Role,
    /// Qualification level as *Ahli Sandi* (gates kriptogram and sending steps, see
    /// [`crate::domain::permission`]). Records written before the typed field held free text
    /// ("Ahli Sandi Tingkat I", "Belum Ahli Sandi", null); they are read with [`Kualifikasi::from_text`].
    #[serde(default, deserialize_with = "kualifikasi_compat")]
    pub kualifikasi: Kualifikasi,
    /// Disabled operators are refused at connect time and at every request.
    #[serde(default)]
    pub disabled: bool,
}

impl Operator {
    /// True when the operator holds an *Ahli Sandi* qualification (any level).
    pub fn is_ahli_sandi(&self) -> bool {
        self.kualifikasi > Kualifikasi::Tanpa
    }
}

/// The *Ahli Sandi* qualification level of an operator, ordered: `Tanpa` < `TingkatI` < `TingkatIi` <
/// `TingkatIii`.
///
/// The order follows the SOPs' wording: 002 asks a sandiman operating Email Sanapati (berita biasa) for
/// "serendah-rendahnya Ahli Sandi Tingkat I" (at the lowest level I), 004 asks the sandiman who encodes
/// naskah dikecualikan for "minimal Ahli Sandi Tingkat II": the higher requirement guards the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kualifikasi {
    /// No Ahli Sandi qualification (or not recorded).
    #[default]
    Tanpa,
    TingkatI,
    TingkatIi,
    TingkatIii,
}

impl Kualifikasi {
    /// All levels, lowest first.
    pub const ALL: [Kualifikasi; 4] = [
        Kualifikasi::Tanpa,
        Kualifikasi::TingkatI,
        Kualifikasi::TingkatIi,
        Kualifikasi::TingkatIii,
    ];

    /// Machine name (`tanpa`, `tingkat_i`, `tingkat_ii`, `tingkat_iii`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kualifikasi::Tanpa => "tanpa",
            Kualifikasi::TingkatI => "tingkat_i",
            Kualifikasi::TingkatIi => "tingkat_ii",
            Kualifikasi::TingkatIii => "tingkat_iii",
        }
    }

    /// Indonesian label ("Ahli Sandi Tingkat II", "tanpa kualifikasi Ahli Sandi").
    pub fn label(self) -> &'static str {
        match self {
            Kualifikasi::Tanpa => "tanpa kualifikasi Ahli Sandi",
            Kualifikasi::TingkatI => "Ahli Sandi Tingkat I",
            Kualifikasi::TingkatIi => "Ahli Sandi Tingkat II",
            Kualifikasi::TingkatIii => "Ahli Sandi Tingkat III",
        }
    }

    /// Reads free text as written in older records or typed by an admin: "Ahli Sandi Tingkat II",
    /// "tingkat_ii", "II", "2", "Belum Ahli Sandi", "none". Unrecognised text is `None`.
    pub fn from_text(s: &str) -> Option<Kualifikasi> {
        let l = s.trim().to_lowercase().replace(['_', '-'], " ");
        if l.is_empty()
            || l.starts_with("belum")
            || l.starts_with("tidak")
            || l.starts_with("bukan")
            || matches!(
                l.as_str(),
                "none" | "tanpa" | "tanpa kualifikasi" | "-" | "0"
            )
        {
            return Some(Kualifikasi::Tanpa);
        }
        // The level is the last token: I, II, III or 1, 2, 3.
        let last = l.split_whitespace().last().unwrap_or("");
        let lvl = match last {
            "i" | "1" => Kualifikasi::TingkatI,
            "ii" | "2" => Kualifikasi::TingkatIi,
            "iii" | "3" => Kualifikasi::TingkatIii,
            _ => return None,
        };
        let words: Vec<&str> = l.split_whitespace().collect();
        let ok = words.len() == 1
            || words[..words.len() - 1]
                .iter()
                .all(|w| matches!(*w, "ahli" | "sandi" | "tingkat" | "as" | "ast"));
        ok.then_some(lvl)
    }

    /// Parses a CLI value; the error names the accepted values.
    pub fn parse(s: &str) -> Result<Kualifikasi, String> {
        Kualifikasi::from_text(s).ok_or_else(|| {
            format!(
                "kualifikasi '{s}' tidak dikenal: pakai tanpa, tingkat_i, tingkat_ii atau tingkat_iii (\"Ahli Sandi Tingkat II\" juga diterima)"
            )
        })
    }
}

impl<'de> Deserialize<'de> for Kualifikasi {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Kualifikasi::from_text(&s).unwrap_or(Kualifikasi::Tanpa))
    }
}

/// Reads the field from records of every version: null, free text or a level name. Unknown free text is
/// read as `Tanpa` (never as a qualification the operator may not hold).
fn kualifikasi_compat<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Kualifikasi, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    Ok(s.as_deref()
        .and_then(Kualifikasi::from_text)
        .unwrap_or(Kualifikasi::Tanpa))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_parse_is_case_insensitive_and_names_choices() {
        assert_eq!(Role::parse("Kasi").unwrap(), Role::Kasi);
        let e = Role::parse("bupati").unwrap_err();
        assert!(e.contains("kadis, kabid"), "{e}");
    }

    #[test]
    fn kualifikasi_from_old_free_text() {
        use Kualifikasi::*;
        assert_eq!(
            Kualifikasi::from_text("Ahli Sandi Tingkat I"),
            Some(TingkatI)
        );
        assert_eq!(
            Kualifikasi::from_text("Ahli Sandi Tingkat II"),
            Some(TingkatIi)
        );
        assert_eq!(Kualifikasi::from_text("tingkat_ii"), Some(TingkatIi));
        assert_eq!(Kualifikasi::from_text("Belum Ahli Sandi"), Some(Tanpa));
        assert_eq!(Kualifikasi::from_text("Sarjana Komputer"), None);
        assert!(TingkatI < TingkatIi && Tanpa < TingkatI);
        let old =
            r#"{"uid":5,"username":"a","nama":"A","role":"kasi","kualifikasi":"Belum Ahli Sandi"}"#;
        let o: Operator = serde_json::from_str(old).unwrap();
        assert_eq!(o.kualifikasi, Tanpa);
        assert!(!o.is_ahli_sandi());
        let null = r#"{"uid":5,"username":"a","nama":"A","role":"kasi","kualifikasi":null}"#;
        assert_eq!(
            serde_json::from_str::<Operator>(null).unwrap().kualifikasi,
            Tanpa
        );
        let new = serde_json::to_string(&Operator {
            kualifikasi: TingkatIi,
            ..o
        })
        .unwrap();
        assert!(new.contains(r#""kualifikasi":"tingkat_ii""#), "{new}");
    }
}
