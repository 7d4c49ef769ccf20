"""Indonesian sentence segmentation: hard cases as a table, the seed article, paragraphs and offsets."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SHARED_DATA, needs_shared_data
from translator import segment


def sentences(text: str) -> list[str]:
    return [s.source for p in segment(text) for s in p.sentences]


CASES = [
    # glued sentence ends from scraped news
    ("Dr. Budi tiba pukul 10.30 WIB.Ia langsung rapat.", ["Dr. Budi tiba pukul 10.30 WIB.", "Ia langsung rapat."]),
    (
        "Putin berkunjung ke Pyongyang.Duta Besar Rusia hadir.",
        ["Putin berkunjung ke Pyongyang.", "Duta Besar Rusia hadir."],
    ),
    ("Pabrik itu dibangun pada 2013.Soket itu rusak.", ["Pabrik itu dibangun pada 2013.", "Soket itu rusak."]),
    ("Ia terbang ke A.S.Seperti biasa, ia tidur.", ["Ia terbang ke A.S.", "Seperti biasa, ia tidur."]),
    ("Kantor berita TASS.Menurut Reuters, hal itu benar.", ["Kantor berita TASS.", "Menurut Reuters, hal itu benar."]),
    ('Ia berkata, "Saya lelah."Kemudian ia tidur.', ['Ia berkata, "Saya lelah."', "Kemudian ia tidur."]),
    ("Benarkah?Ya, benar!Dia datang.", ["Benarkah?", "Ya, benar!", "Dia datang."]),
    # glued tokens that are not sentence ends
    ("Kantornya di Jl.Sudirman, Jakarta.", ["Kantornya di Jl.Sudirman, Jakarta."]),
    ("Ia bekerja di PT.Telkom sejak lama.", ["Ia bekerja di PT.Telkom sejak lama."]),
    ("Ia meraih gelar Ph.D. dari Harvard.", ["Ia meraih gelar Ph.D. dari Harvard."]),
    ("Baca di www.kompas.com setiap hari.", ["Baca di www.kompas.com setiap hari."]),
    ("Nilainya naik 3.5 kali lipat.", ["Nilainya naik 3.5 kali lipat."]),
    (
        "Lihat https://www.Detik.com/Berita.Html untuk rinciannya.",
        ["Lihat https://www.Detik.com/Berita.Html untuk rinciannya."],
    ),
    ("Kirim ke budi.Santoso@kompas.co.id segera.", ["Kirim ke budi.Santoso@kompas.co.id segera."]),
    # abbreviations and titles before names and numbers
    ("Prof. Dr. Ir. H. Ahmad hadir.", ["Prof. Dr. Ir. H. Ahmad hadir."]),
    ("Bpk. Joko, Sdr. Andi, Tn. Ali dan Ny. Ani tiba.", ["Bpk. Joko, Sdr. Andi, Tn. Ali dan Ny. Ani tiba."]),
    (
        "Drs. Budi dan Hj. Siti tinggal di Kec. Menteng, Kab. Bogor.",
        ["Drs. Budi dan Hj. Siti tinggal di Kec. Menteng, Kab. Bogor."],
    ),
    ("Rumahnya di Jl. Merdeka No. 5 Jakarta.", ["Rumahnya di Jl. Merdeka No. 5 Jakarta."]),
    ("Harganya Rp. 9.500.000 per unit.", ["Harganya Rp. 9.500.000 per unit."]),
    ("Dana a.n. Budi sudah dikirim.", ["Dana a.n. Budi sudah dikirim."]),
    ("Saham PT. Telkom Indonesia Tbk. naik.", ["Saham PT. Telkom Indonesia Tbk. naik."]),
    ("Ia lulusan S.Pd.I. dari UIN.", ["Ia lulusan S.Pd.I. dari UIN."]),
    ("Hadir Prof.Dr.Ir.Budi dan Moh. Hatta.", ["Hadir Prof.Dr.Ir.Budi dan Moh. Hatta."]),
    (
        "Rapat pk. 10.00 di Lt. 3 Jl. Jend. Sudirman Kav. 52. Semua hadir.",
        ["Rapat pk. 10.00 di Lt. 3 Jl. Jend. Sudirman Kav. 52.", "Semua hadir."],
    ),
    ("Hadir K.H. Ma'ruf Amin dan H.M. Soeharto.", ["Hadir K.H. Ma'ruf Amin dan H.M. Soeharto."]),
    ("Ia pensiunan TNI (Purn.) Budi.", ["Ia pensiunan TNI (Purn.) Budi."]),
    # abbreviations that end sentences
    (
        "Ia membeli buku, pensil, dll. Besoknya ia berangkat.",
        ["Ia membeli buku, pensil, dll.", "Besoknya ia berangkat."],
    ),
    ("Ia membawa buah, sayur, dsb. Semuanya segar.", ["Ia membawa buah, sayur, dsb.", "Semuanya segar."]),
    (
        "Penelitian ditulis oleh Budi dkk. Mereka meneliti padi.",
        ["Penelitian ditulis oleh Budi dkk.", "Mereka meneliti padi."],
    ),
    ("Ia dibantu Budi, S.H. Mereka menang.", ["Ia dibantu Budi, S.H.", "Mereka menang."]),
    ("Kata Budi, S.Kom.Ia lalu pergi.", ["Kata Budi, S.Kom.", "Ia lalu pergi."]),
    ("Pembicaranya Ani, S.H., M.Si. dari UI.", ["Pembicaranya Ani, S.H., M.Si. dari UI."]),
    ("Ia lulusan S.H. M.Si. yang cerdas.", ["Ia lulusan S.H. M.Si. yang cerdas."]),
    ("Saham PT Bank Mandiri Tbk. (BMRI) naik.", ["Saham PT Bank Mandiri Tbk. (BMRI) naik."]),
    # initials
    ("Mantan Presiden B.J. Habibie hadir. Ia tersenyum.", ["Mantan Presiden B.J. Habibie hadir.", "Ia tersenyum."]),
    ("Mantan Presiden B.J.Habibie hadir.", ["Mantan Presiden B.J.Habibie hadir."]),
    ("Susilo B. Yudhoyono berpidato.", ["Susilo B. Yudhoyono berpidato."]),
    ("Tim itu masuk grup B. Ia optimistis.", ["Tim itu masuk grup B.", "Ia optimistis."]),
    # numbers, dates, times
    (
        "Harga naik menjadi Rp 9.500.000 atau 9,5 persen. Pemerintah menolak.",
        ["Harga naik menjadi Rp 9.500.000 atau 9,5 persen.", "Pemerintah menolak."],
    ),
    ("Rapat dimulai pukul 10.30 WIB. Semua hadir.", ["Rapat dimulai pukul 10.30 WIB.", "Semua hadir."]),
    ("Pada hari Rabu (07/02), ia tiba.", ["Pada hari Rabu (07/02), ia tiba."]),
    ("Korban tewas pada 2012. 50 orang lainnya luka.", ["Korban tewas pada 2012.", "50 orang lainnya luka."]),
    # ellipses, quotes, brackets
    ("Tunggu... Dia datang.", ["Tunggu...", "Dia datang."]),
    ("Kamarnya tidak lagi putih...trus dindingnya kotor.", ["Kamarnya tidak lagi putih...trus dindingnya kotor."]),
    ('"Siapa?" tanya dia.', ['"Siapa?" tanya dia.']),
    ("“Kami siap.” Ia lalu pergi.", ["“Kami siap.”", "Ia lalu pergi."]),
    ("Ia menang (lagi.) Semua senang.", ["Ia menang (lagi.)", "Semua senang."]),
    # lower-case starts and lines
    (
        "Ia lahir di Batavia pada 5 Juni 1879. atau begitulah katanya.",
        ["Ia lahir di Batavia pada 5 Juni 1879.", "atau begitulah katanya."],
    ),
    (
        "date 2024-02 Photo : YONHAP News\nRusia dan Korea Utara bersiap.",
        ["date 2024-02 Photo : YONHAP News", "Rusia dan Korea Utara bersiap."],
    ),
    (
        "Berikut daftarnya:\n1. Pertama adalah Budi.\n2. Kedua adalah Ani.",
        ["Berikut daftarnya:", "Pertama adalah Budi.", "Kedua adalah Ani."],
    ),
    ("Berikut daftarnya:\nI. Pertama adalah Budi.", ["Berikut daftarnya:", "I. Pertama adalah Budi."]),
    ("Kalimat ini dibungkus\nke baris berikutnya.", ["Kalimat ini dibungkus\nke baris berikutnya."]),
]


# Markdown: block markers outside the sentence, emphasis inside it
MARKDOWN = [
    ("- Sebaiknya jam tidur minimal lima jam.", [("- ", "Sebaiknya jam tidur minimal lima jam.")]),
    ("* Satu.\n+ Dua.", [("* ", "Satu."), ("+ ", "Dua.")]),
    ("## Judul berita\nIsi berita.", [("## ", "Judul berita"), ("", "Isi berita.")]),
    ("1. Pertama\n2) kedua\n10. Kesepuluh", [("1. ", "Pertama"), ("2) ", "kedua"), ("10. ", "Kesepuluh")]),
    ("Daftar belanja,\n- apel,\n- jeruk", [("", "Daftar belanja,"), ("- ", "apel,"), ("- ", "jeruk")]),
    ("  - Anak daftar.\n> - Kutipan daftar.", [("  - ", "Anak daftar."), ("> - ", "Kutipan daftar.")]),
    ("> Kalimat yang dibungkus\n> ke baris berikutnya.", [("> ", "Kalimat yang dibungkus\n> ke baris berikutnya.")]),
    ("**Selesai.** Lalu ia pergi.", [("", "**Selesai.**"), ("", "Lalu ia pergi.")]),
    ("Tim itu masuk grup B. **Ia** optimistis.", [("", "Tim itu masuk grup B."), ("", "**Ia** optimistis.")]),
    # not markers: no space after them, a year, a dash inside a line, rules with no word after them
    ("Suhu turun,\n-5 derajat di puncak.", [("", "Suhu turun,\n-5 derajat di puncak.")]),
    ("#tagar ramai. 2019. Tahun itu berat.", [("", "#tagar ramai."), ("", "2019."), ("", "Tahun itu berat.")]),
    ("- \x0bTab tegak.\n-\u00a0Bukan penanda.", [("- \x0b", "Tab tegak."), ("", "-\u00a0Bukan penanda.")]),
    ("Ia pergi. - Ia pulang.", [("", "Ia pergi."), ("", "- Ia pulang.")]),
    ("* * *\n-", [("", "* * *"), ("", "-")]),
]


@pytest.mark.parametrize(("text", "expected"), MARKDOWN, ids=[c[0][:40] for c in MARKDOWN])
def test_markdown_block_markers_are_held_aside(text: str, expected: list[tuple[str, str]]) -> None:
    found = [(s.lead, s.source) for p in segment(text) for s in p.sentences]
    assert found == expected
    for s in (s for p in segment(text) for s in p.sentences):
        assert text[s.start - len(s.lead) : s.start].lstrip(" \t") == s.lead.lstrip(" \t")


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_hard_cases(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_paragraphs_split_on_blank_lines_with_offsets() -> None:
    text = "  Judul berita\n\nKalimat satu. Kalimat dua.\r\n \r\nKalimat tiga.\n"
    paragraphs = segment(text)
    assert [p.index for p in paragraphs] == [0, 1, 2]
    assert [text[p.start : p.end] for p in paragraphs] == [
        "Judul berita",
        "Kalimat satu. Kalimat dua.",
        "Kalimat tiga.",
    ]
    assert [[s.id for s in p.sentences] for p in paragraphs] == [["p0s0"], ["p1s0", "p1s1"], ["p2s0"]]
    for p in paragraphs:
        for s in p.sentences:
            assert text[s.start : s.end] == s.source
            assert p.start <= s.start < s.end <= p.end


@pytest.mark.parametrize("text", ["", " ", "\n\n\t \r\n", "\x00"])
def test_empty_and_blank_inputs(text: str) -> None:
    result = segment(text)
    assert sum(len(p.sentences) for p in result) == (0 if text.isspace() or not text else 1)


@needs_shared_data()
def test_seed_article_gives_the_gold_sentences() -> None:
    gold = [
        s
        for line in (SHARED_DATA / "segmentation" / "seed.jsonl").read_text(encoding="utf-8").splitlines()
        for s in json.loads(line)["sentences"]
    ]
    article = (SHARED_DATA / "seed-article.txt").read_text(encoding="utf-8")
    assert sentences(article) == gold
    assert len(gold) == 11
