//! Markdown rendering of a [`Dokumen`] (the record copy; same blocks as the PDF). Tables become pipe
//! tables with one header row whose labels join the spanned header cells
//! ([`Tabel::label_kolom`]); `|` in cells is escaped and line breaks become `<br>`.

use super::{Blok, Dokumen, Tabel};

fn sel(s: &str) -> String {
    s.replace('|', "\\|")
        .replace("\r\n", "\n")
        .trim()
        .replace('\n', "<br>")
}

/// One pipe table (header labels from [`Tabel::label_kolom`]).
pub fn tabel(t: &Tabel) -> String {
    let n = t.lebar.len().max(1);
    let mut o = String::new();
    let head = t.label_kolom();
    o.push_str(&format!(
        "| {} |\n",
        head.iter().map(|h| sel(h)).collect::<Vec<_>>().join(" | ")
    ));
    o.push_str(&format!("|{}\n", "---|".repeat(n)));
    for row in &t.baris {
        let mut cells = Vec::new();
        for s in row {
            cells.push(sel(&s.teks));
            for _ in 1..s.span.max(1) {
                cells.push(String::new());
            }
        }
        cells.resize(n, String::new());
        o.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    o
}

/// The document as Markdown: TLP line, kop, blocks in order.
pub fn render(d: &Dokumen) -> String {
    let mut o = String::new();
    if let Some(t) = &d.tlp {
        o.push_str(&format!("**{t}**\n\n"));
    }

    if let Some(k) = &d.kop {
        for l in [&k.pemerintah, &k.dinas] {
            if !l.is_empty() {
                o.push_str(&format!("**{l}**  \n"));
            }
        }
        for l in [&k.alamat, &k.kontak] {
            if !l.is_empty() {
                o.push_str(&format!("{l}  \n"));
            }
        }
        o.push_str("\n---\n\n");
    }
    for b in &d.blok {
        match b {
            Blok::Judul { teks, sub } => {
                o.push_str(&format!("# {}\n\n", teks.replace('\n', " ")));
                for s in sub {
                    o.push_str(&format!("{s}  \n"));
                }
                if !sub.is_empty() {
                    o.push('\n');
                }
            }
            Blok::Subjudul(t) => o.push_str(&format!("## {}\n\n", t.replace('\n', " "))),
            Blok::Paragraf(t) => o.push_str(&format!("{}\n\n", t.replace('\n', "  \n"))),
            Blok::Kosong(t) => o.push_str(&format!("_{}_\n\n", t)),
            Blok::Isian(rows) => {
                for (k, v) in rows {
                    let v = if v.is_empty() { "-" } else { v };
                    o.push_str(&format!("- **{k}:** {}\n", v.replace('\n', " ")));
                }
                o.push('\n');
            }
            Blok::Daftar(items) => {
                for (i, it) in items.iter().enumerate() {
                    o.push_str(&format!("{}. {}\n", i + 1, it.replace('\n', " ")));
                }
                o.push('\n');
            }
            Blok::Tabel(t) => {
                o.push_str(&tabel(t));
                o.push('\n');
            }
            Blok::Tandatangan(ps) => {
                for p in ps {
                    if !p.atas.is_empty() {
                        o.push_str(&format!("{}  \n", p.atas));
                    }
                    o.push_str(&format!("{}  \n\n\n", p.jabatan));
                    o.push_str(&format!(
                        "**{}**  \nNIP. {}\n\n",
                        if p.nama.is_empty() {
                            "(..............................)"
                        } else {
                            &p.nama
                        },
                        if p.nip.is_empty() {
                            ".............................."
                        } else {
                            &p.nip
                        }
                    ));
                }
            }
            Blok::Jarak(_) => {}
            Blok::HalamanBaru => o.push_str("---\n\n"),
        }
    }
    if let Some(t) = &d.tlp {
        o.push_str(&format!("**{t}**\n"));
    }
    while o.ends_with("\n\n") {
        o.pop();
    }
    o.replace('\u{a0}', " ")
}

/// A table as CSV with every header row as its own line (spans leave empty fields, as in the
/// report's two-row headers); fields with commas, quotes or newlines are quoted.
pub fn csv(t: &Tabel) -> String {
    let q = |c: &str| {
        if c.contains([',', '"', '\n']) {
            format!("\"{}\"", c.replace('"', "\"\""))
        } else {
            c.to_string()
        }
    };
    let n = t.lebar.len().max(1);
    let mut o = String::new();
    for row in t.kepala.iter().chain(t.baris.iter()) {
        let mut cells = Vec::new();
        for s in row {
            cells.push(q(&s.teks));
            for _ in 1..s.span.max(1) {
                cells.push(String::new());
            }
        }
        cells.resize(n, String::new());
        o.push_str(&cells.join(","));
        o.push('\n');
    }
    o
}
