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
    /// Qualification, e.g. "Ahli Sandi Tingkat I" (gates kriptogram steps, seed 002 step 2).
    #[serde(default)]
    pub kualifikasi: Option<String>,
    /// Disabled operators are refused at connect time.
    #[serde(default)]
    pub disabled: bool,
}

impl Operator {
    /// True when the operator holds an *Ahli Sandi* qualification (any level).
    pub fn is_ahli_sandi(&self) -> bool {
        self.kualifikasi
            .as_deref()
            .is_some_and(|k| k.to_lowercase().contains("ahli sandi"))
    }
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
}
