#!/usr/bin/env python3
"""Generate the letter corpus of tests/ocr_corpus.rs (issue 15).

30 Indonesian naskah dinas with varied layouts, written as PostScript and turned into
born-digital PDFs by Ghostscript (`ps2pdf`), then "scanned": odd letters as 150 dpi gray
JPEG-in-PDF with skew and noise (like shared/samples/naskah/scan-0001), even letters as 200 dpi
bilevel CCITT G4 TIFF with a slight skew (fax). Ground truth goes to truth.json.

The outputs are checked in so CI never regenerates them. Needs: python3, ghostscript,
poppler-utils (pdftoppm), imagemagick (convert), img2pdf. Deterministic (fixed seed), but the
tools' versions may change the bytes.

    python3 tests/corpus/gen.py        # from the repository root
"""

import json
import os
import random
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
R = random.Random(15)

DAERAH = [
    ("KABUPATEN JEMBRANA", "Negara"), ("KOTA PEKALONGAN", "Pekalongan"),
    ("KABUPATEN TRENGGALEK", "Trenggalek"), ("KOTA PALANGKA RAYA", "Palangka Raya"),
    ("KABUPATEN BOLAANG MONGONDOW", "Lolak"), ("KABUPATEN SLEMAN", "Sleman"),
    ("KOTA MATARAM", "Mataram"), ("KABUPATEN BANYUWANGI", "Banyuwangi"),
    ("KABUPATEN SERANG", "Serang"), ("KOTA AMBON", "Ambon"),
]
BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
         "September", "Oktober", "November", "Desember"]
HAL = [
    ["Penyampaian Laporan Hasil Pemantauan"],
    ["Undangan Rapat Koordinasi Persandian"],
    ["Permohonan Pemeliharaan Peralatan Sandi"],
    ["Penyampaian Laporan Hasil Pemantauan", "dan Evaluasi Penyelenggaraan Urusan Persandian"],
    ["Permohonan Penggantian Kunci Sistem Sandi", "Tahun Anggaran 2024"],
    ["Pemberitahuan Jadwal Audit Keamanan Informasi", "pada Dinas Komunikasi dan Informatika"],
    ["Penyampaian Rencana Kebutuhan Sertifikat Elektronik", "bagi Pejabat Pengelola Naskah Dinas",
     "di Lingkungan Pemerintah Daerah"],
    ["Laporan Insiden Keamanan Informasi", "pada Jaringan Intra Pemerintah",
     "Bulan Maret Tahun 2024"],
    ["Permintaan Data Pengguna Aplikasi Sanapati"],
    ["Usulan Peserta Diklat Sandiman", "Angkatan XII Tahun 2025"],
]
YTH = [
    ["Kepala Badan Siber dan Sandi Negara"],
    ["Gubernur Bali", "u.p. Kepala Dinas Komunikasi dan Informatika"],
    ["Bupati Sleman"],
    ["Kepala Pusat Operasi Keamanan Siber Nasional"],
    ["Sekretaris Daerah", "u.p. Kepala Bagian Organisasi"],
    ["Direktur Proteksi Pemerintah Daerah", "Badan Siber dan Sandi Negara"],
]
LAMPIRAN = ["-", "1 (satu) berkas", "2 (dua) lembar", "1 (satu) bendel", "3 (tiga) berkas"]
SIFAT = ["Biasa", "Segera", "Sangat Segera", "Penting"]
KLAS = ["Biasa", "Terbatas", "Rahasia", "Sangat Rahasia"]
KODE = ["800", "005", "045.2", "555", "489", "090", "700"]
UNIT = ["Kominfo", "Diskominfo", "DKIS", "Kominfo-Sandi", "Persandian"]
BODY = [
    "Sesuai dengan Peraturan Badan Siber dan Sandi Negara Nomor 10 Tahun 2019 tentang",
    "Pelaksanaan Persandian untuk Pengamanan Informasi di Pemerintah Daerah, bersama ini",
    "kami sampaikan hal tersebut di atas untuk dapat ditindaklanjuti sebagaimana mestinya.",
    "Nomor 14 Tahun 2008 tentang Keterbukaan Informasi Publik tetap menjadi acuan kami.",
    "Demikian disampaikan, atas perhatian dan kerja samanya diucapkan terima kasih.",
]
FONTS = ["Helvetica", "Times-Roman", "Helvetica", "Times-Roman", "Courier"]


def ps_str(s):
    return "(" + s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


class Page:
    def __init__(self, font, size):
        self.out = ["%!PS-Adobe-3.0", "<< /PageSize [595 842] >> setpagedevice"]
        self.font, self.size = font, size
        self.setfont(font, size)

    def setfont(self, font, size):
        self.out.append(f"/{font} findfont {size} scalefont setfont")

    def text(self, x, y, s):
        self.out.append(f"{x:.1f} {y:.1f} moveto {ps_str(s)} show")

    def center(self, y, s):
        self.out.append(f"{ps_str(s)} dup stringwidth pop 2 div 297.5 exch sub {y:.1f} moveto show")

    def line(self, x0, y0, x1, y1, w=0.8):
        self.out.append(f"{w} setlinewidth {x0} {y0} moveto {x1} {y1} lineto stroke")

    def done(self):
        return "\n".join(self.out + ["showpage", ""])


def letter(i):
    daerah, tempat = DAERAH[i % len(DAERAH)]
    font = FONTS[i % len(FONTS)]
    size = R.choice([11, 11.5, 12])
    lead = size * 1.45
    p = Page(font, size)
    day, month, year = R.randint(1, 28), R.randint(1, 12), R.choice([2021, 2022, 2023, 2024, 2025])
    nomor = f"{R.choice(KODE)}/{R.randint(1, 999)}/{R.choice(UNIT)}/{year}"
    if i % 7 == 3:
        nomor = f"B/{R.randint(10, 99)}/PS.0{R.randint(1, 9)}/{year}"
    hal = HAL[i % len(HAL)]
    yth = YTH[i % len(YTH)]
    lampiran = R.choice(LAMPIRAN)
    style = i % 5  # 0: Sifat+Klasifikasi, 1: Klasifikasi only, 2: Sifat names klasifikasi, 3: Sifat only, 4: Sifat+Klasifikasi
    sifat = R.choice(SIFAT) if style in (0, 3, 4) else None
    klas = R.choice(KLAS) if style in (0, 1, 4) else None
    if style == 2:
        sifat = R.choice(["Rahasia", "Terbatas", "Biasa"])
        klas = sifat
    colons = ["aligned", "aligned", "tight", "none", "aligned"][(i // 5) % 5]
    date_pos = ["top", "top-same", "bottom"][i % 3]
    yth_pos = ["left", "right", "right-kepada-yth"][(i // 3) % 3]
    tempat_tanggal = f"{tempat}, {day} {BULAN[month - 1]} {year}"

    # Kop surat.
    y = 800
    p.setfont("Helvetica-Bold", 13)
    p.center(y, f"PEMERINTAH {daerah}")
    p.center(y - 16, "DINAS KOMUNIKASI DAN INFORMATIKA")
    p.setfont(font, 9)
    p.center(y - 30, f"Jalan Merdeka Nomor {R.randint(1, 99)} Telepon (0{R.randint(100, 999)}) {R.randint(10000, 99999)} {tempat}")
    p.line(60, y - 38, 535, y - 38, 1.5)
    p.setfont(font, size)
    y -= 66
    right_x = 345
    if date_pos == "top":
        p.text(right_x, y, tempat_tanggal)
        y -= lead * 1.6

    if yth_pos != "left":
        # The addressee stands on the right: the subject wraps within the left half.
        width = 25 if font == "Courier" else 30
        words, hal = " ".join(hal).split(), []
        for w in words:
            if hal and len(hal[-1]) + 1 + len(w) <= width:
                hal[-1] += " " + w
            else:
                hal.append(w)
    rows = [("Nomor", nomor)]
    if sifat is not None:
        rows.append(("Sifat", sifat))
    if klas is not None and style != 2:
        rows.append(("Klasifikasi", klas))
    rows.append(("Lampiran", lampiran))
    rows.append(("Hal" if i % 2 == 0 else "Perihal", hal))
    label_x, colon_x, value_x = 60, 125, 133
    if colons == "none":
        value_x = 125
    block_top = y
    for k, (label, value) in enumerate(rows):
        if colons == "tight":
            head = f"{label}: "
            p.text(label_x, y, head)
            vx = label_x + len(head) * size * 0.52 + 4
        else:
            p.text(label_x, y, label)
            if colons == "aligned":
                p.text(colon_x, y, ":")
            vx = value_x
        lines = value if isinstance(value, list) else [value]
        for j, v in enumerate(lines):
            p.text(vx, y, v)
            y -= lead
        if k == 0 and date_pos == "top-same":
            p.text(right_x + 20, block_top, tempat_tanggal)
    y -= lead * 0.6

    if yth_pos == "left":
        p.text(label_x, y, "Yth. " + yth[0])
        y -= lead
        for extra in yth[1:]:
            p.text(label_x + 22, y, extra)
            y -= lead
        p.text(label_x + 22, y, "di -")
        y -= lead
        p.text(label_x + 40, y, tempat)
        y -= lead * 1.5
    else:
        ry = block_top - lead * (1 if date_pos == "top-same" else 0)
        if yth_pos == "right":
            p.text(right_x, ry, "Kepada")
            ry -= lead
            p.text(right_x - 18, ry, "Yth. " + yth[0])
            ry -= lead
            for extra in yth[1:]:
                p.text(right_x + 6, ry, extra)
                ry -= lead
        else:
            p.text(right_x, ry, "Kepada Yth.")
            ry -= lead
            for extra in yth:
                p.text(right_x, ry, extra)
                ry -= lead
        p.text(right_x, ry, "di -")
        ry -= lead
        p.text(right_x + 20, ry, tempat)
        ry -= lead
        y = min(y, ry) - lead * 0.8

    p.text(label_x, y, "Dengan hormat,")
    y -= lead * 1.3
    n = R.randint(2, 4)
    for line in BODY[:n]:
        p.text(label_x + (20 if line is BODY[0] else 0), y, line)
        y -= lead
    if i % 4 == 1:
        # A small table.
        y -= lead * 0.3
        cols = [60, 90, 330, 430, 535]
        heads = ["No", "Uraian", "Jumlah", "Keterangan"]
        rowsx = [heads, ["1", "Peralatan sandi", "2 unit", "rusak"], ["2", "Kunci sistem sandi", "4 set", "baru"]]
        top = y + size
        for r, cells in enumerate(rowsx):
            for c, cell in enumerate(cells):
                p.text(cols[c] + 4, y, cell)
            y -= lead
        for c in cols:
            p.line(c, top, c, y + size * 0.9)
        for r in range(len(rowsx) + 1):
            p.line(cols[0], top - r * lead, cols[-1], top - r * lead)
        y -= lead * 0.5
    p.text(label_x, y, BODY[4])
    y -= lead * 2
    if date_pos == "bottom":
        p.text(right_x, y, tempat_tanggal)
        y -= lead
    p.text(right_x, y, "Kepala Dinas Komunikasi dan Informatika,")
    y -= lead * 3.5
    p.text(right_x, y, R.choice(["I Made Suarta, S.Kom", "Dra. Siti Aminah, M.Si", "Budi Santoso, S.T., M.T."]))
    y -= lead
    p.text(right_x, y, f"NIP. 19{R.randint(60, 89)}0{R.randint(1, 9)}1{R.randint(0, 2)} 19{R.randint(85, 99)}03 1 00{R.randint(1, 9)}")
    y -= lead * 1.6
    p.setfont(font, size - 1.5)
    p.text(label_x, y, "Tembusan disampaikan Kepada Yth:")
    y -= lead
    p.text(label_x, y, f"1. Bupati/Wali Kota di {tempat};")

    truth = {
        "nomor": nomor,
        # A Sifat that names a classification (old style "Sifat : Biasa") states it.
        "klasifikasi": klas if klas is not None else (sifat if sifat in KLAS else None),
        "sifat": sifat,
        "lampiran": None if lampiran == "-" else lampiran,
        "hal": " ".join(hal),
        "yth": " ".join(yth),
        "tempat_tanggal": tempat_tanggal,
        "tanggal": f"{year:04d}-{month:02d}-{day:02d}",
        "layout": {"font": font, "colons": colons, "date": date_pos, "yth": yth_pos,
                   "hal_lines": len(hal), "table": i % 4 == 1},
    }
    return p.done(), truth


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    born = os.path.join(HERE, "born")
    scan = os.path.join(HERE, "scan")
    os.makedirs(born, exist_ok=True)
    os.makedirs(scan, exist_ok=True)
    truths = []
    """KEEP_BORN=1 keeps existing born-digital PDFs; ONLY=gray|fax regenerates one kind of scan."""
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(30):
            ps, truth = letter(i)
            name = f"surat-{i + 1:02d}"
            psf = os.path.join(tmp, name + ".ps")
            with open(psf, "w", encoding="latin-1") as f:
                f.write(ps)
            pdf = os.path.join(born, name + ".pdf")
            if not (os.environ.get("KEEP_BORN") and os.path.exists(pdf)):
                run("ps2pdf", "-dPDFSETTINGS=/prepress", psf, pdf)
            angle = R.uniform(-1.2, 1.2)
            only = os.environ.get("ONLY")
            if only and only != ("gray" if i % 2 == 0 else "fax"):
                old = os.path.join(scan, name + (".pdf" if i % 2 == 0 else ".tif"))
                truth["scan"] = {"file": os.path.basename(old), "kind": "150 dpi gray JPEG in PDF" if i % 2 == 0 else "200 dpi G4 fax TIFF", "skew_deg": round(angle if i % 2 == 0 else angle / 2, 2)}
            elif i % 2 == 0:
                base = os.path.join(tmp, name + "-g")
                run("pdftoppm", "-r", "150", "-gray", "-singlefile", pdf, base)
                jpg = os.path.join(tmp, name + ".jpg")
                run("/usr/bin/convert", base + ".pgm", "-background", "white", "-rotate", f"{angle:.2f}",
                    "-gravity", "center", "-extent", "1241x1754", "+repage", "-attenuate", "0.35",
                    "+noise", "Gaussian", "-colorspace", "Gray", "-quality", "55",
                    "-density", "150", "-units", "PixelsPerInch", jpg)
                out = os.path.join(scan, name + ".pdf")
                run("img2pdf", "--pagesize", "A4", "-o", out, jpg)
                truth["scan"] = {"file": name + ".pdf", "kind": "150 dpi gray JPEG in PDF", "skew_deg": round(angle, 2)}
            else:
                angle = angle / 2
                base = os.path.join(tmp, name + "-m")
                run("pdftoppm", "-r", "200", "-gray", "-singlefile", pdf, base)
                out = os.path.join(scan, name + ".tif")
                run("/usr/bin/convert", base + ".pgm", "-background", "white", "-rotate", f"{angle:.2f}",
                    "-gravity", "center", "-extent", "1654x2339", "+repage", "-attenuate", "0.04",
                    "+noise", "Impulse", "-threshold", "55%", "-monochrome",
                    "-compress", "Group4", "-density", "200", "-units", "PixelsPerInch", out)
                truth["scan"] = {"file": name + ".tif", "kind": "200 dpi G4 fax TIFF", "skew_deg": round(angle, 2)}
            truth["born"] = name + ".pdf"
            truths.append(truth)
    with open(os.path.join(HERE, "truth.json"), "w", encoding="utf-8") as f:
        json.dump(truths, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
