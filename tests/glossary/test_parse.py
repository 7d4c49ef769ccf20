"""Glossary entries read as DeepL reads them (TSV, CSV with optional language columns) under its content rules;
every problem named with its line and rule, hostile input included."""

from __future__ import annotations

import re

import pytest

from translator.glossary import Entry
from translator.glossary.parse import MAX_BYTES, GlossaryError, parse, read, to_tsv


def test_tsv_entries_in_order_blank_lines_and_crlf_skipped() -> None:
    text = "DPR\tHouse of Representatives\r\n\nPolri\tNational Police\nJokowi\tJokowi\n"
    assert parse(text) == [
        Entry("DPR", "House of Representatives"),
        Entry("Polri", "National Police"),
        Entry("Jokowi", "Jokowi"),
    ]
    assert parse(to_tsv(parse(text))) == parse(text)


@pytest.mark.parametrize(
    ("text", "line", "rule"),
    [
        ("DPR\tHouse\nPolri National Police\n", 2, "no tab"),
        ("DPR\tHouse\nKPK\t\n", 2, "target is empty"),
        ("\tHouse\n", 1, "source is empty"),
        ("DPR\tHouse\nDPR\tParliament\n", 2, "duplicate of line 1"),
        ("DPR \tHouse\n", 1, "whitespace"),
        ("DPR\t House\n", 1, "whitespace"),
        ("DPR\tHouse\tof Reps\n", 1, "U+0009"),
        ("DPR\tHou\x07se\n", 1, "U+0007"),
        ("DPR\tHouse\u2028more\n", 1, "U+2028"),
        ("D\x85PR\tHouse\n", 1, "U+0085"),
        ("x\t" + "é" * 513 + "\n", 1, "1026 UTF-8 bytes"),
    ],
)
def test_each_rule_names_its_line(text: str, line: int, rule: str) -> None:
    found = read(text)
    assert found.problems and found.problems[0].line == line and rule in found.problems[0].rule
    with pytest.raises(GlossaryError, match=f"line {line}: .*{re.escape(rule)}"):
        parse(text)


def test_every_problem_is_found_not_only_the_first() -> None:
    found = read("a\tb\nno tab\nc\t\na\tz\nok\tfine\n")
    assert [p.line for p in found.problems] == [2, 3, 4]
    assert [e for _, e in found.entries] == [Entry("a", "b"), Entry("ok", "fine")]


def test_csv_quoting_and_language_columns() -> None:
    text = (
        "DPR,House of Representatives\n"
        '"Badan Pusat Statistik, BPS","Statistics Indonesia"\n'
        '"kata ""kutip""",say "quote"\n'  # a bare quote inside an unquoted field is kept, as csv reads it
        "Polri,National Police,id,en\n"
        "Polizei,police,de,en\n"  # another pair: skipped
        "\n"
        '"<b>tebal</b>","<b>bold</b> & co"\n'
    )
    assert parse(text, "csv") == [
        Entry("DPR", "House of Representatives"),
        Entry("Badan Pusat Statistik, BPS", "Statistics Indonesia"),
        Entry('kata "kutip"', 'say "quote"'),
        Entry("Polri", "National Police"),
        Entry("<b>tebal</b>", "<b>bold</b> & co"),
    ]


@pytest.mark.parametrize(
    ("text", "line", "rule"),
    [
        ('DPR,House\n"unterminated,quote\n', 2, "not CSV"),
        ("DPR,House\n3,fields,here\n", 2, "3 fields"),
        ('DPR,House\n"multi\nline",target\n', 2, "U+000A"),
        ("DPR\n", 1, "one field"),
        ("Polizei,police,de,en\n", 0, "no entries (1 rows of another language pair skipped)"),
    ],
)
def test_csv_problems_name_the_line_the_row_starts_on(text: str, line: int, rule: str) -> None:
    found = read(text, "csv")
    assert found.problems[0].line == line and rule in found.problems[0].rule


def test_a_byte_order_mark_a_huge_field_and_spaces_after_commas() -> None:
    assert parse("\ufeffDPR,House\n", "csv") == parse("\ufeffDPR\tHouse\n") == [Entry("DPR", "House")]
    huge = read('"' + "x" * 200_000 + '",y\n', "csv")  # over csv's field limit: refused, not read for ever
    assert huge.problems[0].line == 1 and "not CSV: field larger than field limit" in huge.problems[0].rule
    spaced = read("DPR, House of Representatives\n", "csv")
    assert "whitespace at its start or end" in spaced.problems[0].rule


def test_hostile_but_valid_terms_are_entries() -> None:
    text = "\n".join(
        [
            "a.*b(c)[d]\\1$^|+?{2}\tregex kept as text",
            "\u200f\u05e9\u05dc\u05d5\u05dd\u200e\tRTL marks",
            "a\u200db\tzero-width joiner",
            "Presiden Joko Widodo meresmikan jalan tol baru di Jawa Tengah pada hari Senin.\ta whole sentence",
            "Joko\tJoko",
            "Joko Widodo\tJoko Widodo",  # overlaps the one above: matching decides
        ]
    )
    assert len(parse(text)) == 6


def test_the_size_limit_and_unknown_formats_and_empty_text() -> None:
    big = "x\ty\n" * (MAX_BYTES // 4 + 1)
    assert "over the limit of 10485760" in read(big).problems[0].rule
    assert "unsupported entries format 'xml'" in read("a\tb", "xml").problems[0].rule
    assert read("\n\n").problems[0].rule == "there are no entries"


def test_a_hundred_thousand_entries_read_quickly() -> None:
    text = "".join(f"istilah{i}\tterm{i}\n" for i in range(100_000))
    assert len(text.encode()) < MAX_BYTES
    entries = parse(text)
    assert len(entries) == 100_000 and entries[-1] == Entry("istilah99999", "term99999")
