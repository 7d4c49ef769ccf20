"""XLIFF 2.0: every segment's target filled with the English, inline elements and entities kept, the file
still valid against the XLIFF 2.0 schema; other versions and other XML refused."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from tests.conftest import SHARED_DATA, needs_shared_data
from translator import markup
from translator.errors import InputError
from translator.files import parse, translate_file
from translator.pipeline import Translator

X = "{urn:oasis:names:tc:xliff:document:2.0}"
XLIFF = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- dari CAT -->
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" xmlns:fs="urn:oasis:names:tc:xliff:fs:2.0"
       version="2.0" srcLang="id">
  <file id="f1">
    <unit id="u1">
      <originalData><data id="d1">&lt;b&gt;</data></originalData>
      <segment id="s1">
        <source>Harga &amp; <pc id="1" fs:fs="b" dataRefStart="d1">BBM</pc> naik<ph id="2"/> &lt;5%&gt; "lagi".</source>
      </segment>
      <ignorable><source> </source></ignorable>
      <segment id="s2" state="initial">
        <source>Kedua <mrk id="m1" translate="no">Jakarta</mrk></source>
        <target xml:space="preserve">lama <ph id="9"/></target>
      </segment>
    </unit>
    <unit id="u2" translate="no">
      <segment><source>Kode <ph id="1"/></source></segment>
    </unit>
    <unit id="u3"><segment><source/></segment></unit>
  </file>
</xliff>
"""


def shout(texts: list[str]) -> list[str]:
    return [text.upper() for text in texts]


def inner(element: etree._Element) -> str:
    serialised = etree.tostring(element, encoding="unicode", with_tail=False)
    return re.sub(r"^<[^>]*>|</[^>]*>$", "", serialised) if not serialised.endswith("/>") else ""


def test_the_texts_are_the_sources_inner_xml_with_entities_as_written() -> None:
    parsed = parse("a.xliff", XLIFF)
    assert parsed.markup and parsed.media_type == "application/xliff+xml"
    assert parsed.texts == [
        'Harga &amp; <pc id="1" fs:fs="b" dataRefStart="d1">BBM</pc> naik<ph id="2"/> &lt;5%&gt; "lagi".',
        'Kedua <mrk id="m1" translate="no">Jakarta</mrk>',
        "",
    ]
    nodes = [source for text in parsed.texts for source in markup.parse(text).sources()]
    assert nodes == ['Harga & BBM naik <5%> "lagi".', "Kedua"]  # sentences whole; translate="no" kept aside
    assert parsed.characters == sum(map(len, nodes))


def test_every_segment_gets_its_target_and_everything_else_is_kept() -> None:
    root = etree.fromstring(translate_file("a.xlf", XLIFF, shout))
    assert root.get("trgLang") == "en" and root.get("srcLang") == "id"
    segments = list(root.iter(f"{X}segment"))
    targets = [segment.find(f"{X}target") for segment in segments]
    assert [inner(t) for t in targets if t is not None] == [
        'HARGA &amp; <pc id="1" fs:fs="b" dataRefStart="d1">BBM</pc> NAIK<ph id="2"/> &lt;5%&gt; "LAGI".',
        'KEDUA <mrk id="m1" translate="no">Jakarta</mrk>',  # the old target's content replaced
        'Kode <ph id="1"/>',  # translate="no": the source as it is
        "",
    ]
    assert targets[1] is not None and targets[1].get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"
    for segment in segments:  # the target right after its source
        assert [etree.QName(child).localname for child in segment] == ["source", "target"]
    assert root.find(f"{X}file/{X}unit/{X}ignorable/{X}target") is None
    assert root.findtext(f"{X}file/{X}unit/{X}originalData/{X}data") == "<b>"
    assert etree.tostring(root.getprevious()) == b"<!-- dari CAT -->"
    assert b"ns0" not in etree.tostring(root)  # the new targets in the file's own namespace, no new prefixes


# the XLIFF namespace under a prefix, and as the default only inside a source
PREFIXED = b"""<x:xliff xmlns:x="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="id">
  <x:file id="f1">
    <x:unit id="u1">
      <x:segment><x:source>Harga <x:ph id="1"/> naik.</x:source></x:segment>
      <x:segment>
        <x:source>Kedua <pc xmlns="urn:oasis:names:tc:xliff:document:2.0" id="2">kali</pc></x:source>
        <x:target>lama</x:target>
      </x:segment>
      <x:segment><x:source/></x:segment>
    </x:unit>
  </x:file>
</x:xliff>
"""


def test_the_xliff_namespace_may_have_a_prefix_or_be_the_default_inside() -> None:
    root = etree.fromstring(translate_file("a.xlf", PREFIXED, shout))
    targets = [segment.find(f"{X}target") for segment in root.iter(f"{X}segment")]
    assert [inner(t) for t in targets if t is not None] == [
        'HARGA <x:ph id="1"/>NAIK.',  # spaces next to a placed tag are the English's
        'KEDUA <x:pc id="2">KALI</x:pc>',  # the same element in the same namespace, under the file's prefix
        "",
    ]
    assert [etree.QName(e).namespace for t in targets if t is not None for e in t] == [X[1:-1]] * 2


@needs_shared_data()
@pytest.mark.parametrize("data", [XLIFF, PREFIXED])
def test_the_translated_file_is_valid_xliff_2(data: bytes) -> None:
    schema = etree.XMLSchema(etree.parse(str(SHARED_DATA / "schemas" / "xliff-core-2.0.xsd")))
    schema.assertValid(etree.fromstring(translate_file("a.xlf", data, shout)))


def test_an_existing_trglang_is_kept_and_english_entities_are_escaped() -> None:
    data = XLIFF.replace(b'srcLang="id"', b'srcLang="id" trgLang="en-GB"')
    out = translate_file("a.xlf", data, lambda texts: [f"{t} & <x>" for t in texts])
    root = etree.fromstring(out)
    assert root.get("trgLang") == "en-GB"
    first = root.find(f"{X}file/{X}unit/{X}segment/{X}target")
    assert first is not None and first.text == "Harga & "
    assert inner(first).endswith('"lagi". &amp; &lt;x&gt;')


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2"><file/></xliff>', "XLIFF 1.2 is not"),
        (b"<html><body/></html>", "not an XLIFF file (its root element is <html>)"),
        (b"", "malformed XLIFF"),
        (b"<xliff><unclosed></xliff>", "malformed XLIFF"),
        (XLIFF.replace(b"Kedua", b"Ked\xffua"), "malformed XLIFF: Invalid bytes in character encoding, line 13"),
        (
            b'<!DOCTYPE x [<!ENTITY a "aaaa">]><xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0"/>',
            "DTD",
        ),
        (b'<!DOCTYPE xliff SYSTEM "x.dtd"><xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0"/>', "DTD"),
        (
            XLIFF.replace(b'<segment><source>Kode <ph id="1"/></source></segment>', b"<segment/>"),
            "segment on line 18 has no <source>",
        ),
    ],
)
def test_other_versions_other_xml_and_broken_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        parse("a.xlf", data)


def test_a_foreign_namespace_is_named() -> None:
    data = b'<xliff xmlns="urn:example:not-xliff" version="2.0" srcLang="id"><file id="f"/></xliff>'
    with pytest.raises(InputError) as refused:
        parse("a.xlf", data)
    said = str(refused.value)
    assert "urn:example:not-xliff" in said and "XLIFF 2.0 is not supported" not in said
    assert "urn:oasis:names:tc:xliff:document:2.0" in said  # and the one that is


# a person's targets, reviewed or final, beside drafts, a fuzzy match, a missing target and translate="no"
STATES = b"""<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="id" trgLang="en">
  <file id="f1">
    <unit id="u1">
      <segment id="s1" state="final"><source>Satu.</source><target>One, by a person.</target></segment>
      <segment id="s2" state="reviewed"><source>Dua.</source><target>Two, reviewed.</target></segment>
    </unit>
    <unit id="u2">
      <originalData><data id="d1">x</data></originalData>
      <segment id="s3" state="translated" subState="cat:fuzzy"><source>Tiga.</source><target>Old.</target></segment>
      <segment id="s4" state="initial"><source>Empat.</source><target>draft</target></segment>
      <segment id="s5"><source>Lima.</source></segment>
    </unit>
    <unit id="u3">
      <notes><note id="n1">dari penulis</note></notes>
      <segment id="s6" state="final"><source>Enam.</source></segment>
    </unit>
    <unit id="u4" translate="no">
      <segment id="s7" state="translated"><source>Kode</source><target>Code kept</target></segment>
      <segment id="s8"><source>Kode dua</source></segment>
    </unit>
  </file>
</xliff>
"""


def segment_states(root: etree._Element) -> dict[str, tuple[str | None, str | None, str]]:
    """Each segment's id: its state, subState and target text."""
    return {
        s.get("id", ""): (s.get("state"), s.get("subState"), s.findtext(f"{X}target") or "")
        for s in root.iter(f"{X}segment")
    }


def test_a_persons_reviewed_or_final_target_is_kept_and_never_sent_to_the_model() -> None:
    parsed = parse("a.xlf", STATES)
    assert parsed.texts == ["Tiga.", "Empat.", "Lima.", "Enam."]  # final without a target is translated
    root = etree.fromstring(parsed.build(shout(parsed.sources())))
    machine = ("translated", "translator:machine")
    assert segment_states(root) == {
        "s1": ("final", None, "One, by a person."),
        "s2": ("reviewed", None, "Two, reviewed."),
        "s3": (*machine, "TIGA."),  # any other target replaced, and said to be a machine's
        "s4": (*machine, "EMPAT."),
        "s5": (*machine, "LIMA."),
        "s6": (*machine, "ENAM."),
        "s7": ("translated", None, "Code kept"),  # translate="no" never replaces a target
        "s8": (None, None, "Kode dua"),  # and copies the source where there is none
    }


def test_a_unit_with_machine_targets_says_so_in_a_note_and_the_result_counts_what_was_left() -> None:
    parsed = parse("a.xlf", STATES)
    root = etree.fromstring(parsed.build(shout(parsed.sources())))
    units = {unit.get("id"): unit for unit in root.iter(f"{X}unit")}
    notes = {name: [n.text for n in unit.iter(f"{X}note")] for name, unit in units.items()}
    assert notes["u1"] == [] and notes["u4"] == []
    assert notes["u2"] == notes["u3"][1:] and len(notes["u2"]) == 1 and "machine translation" in notes["u2"][0]
    assert notes["u3"][0] == "dari penulis"
    assert [etree.QName(child).localname for child in units["u2"]] == ["notes", "originalData", "segment"] + [
        "segment"
    ] * 2
    assert parsed.untranslated == {"translate_no": 2, "reviewed_kept": 2}
    # rebuilt twice, the same file: one note a unit
    assert parsed.build(shout(parsed.sources())) == parsed.build(shout(parsed.sources()))


@needs_shared_data()
def test_the_states_file_stays_valid_xliff_2() -> None:
    schema = etree.XMLSchema(etree.parse(str(SHARED_DATA / "schemas" / "xliff-core-2.0.xsd")))
    schema.assertValid(etree.fromstring(translate_file("a.xlf", STATES, shout)))


INLINE = b"""<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="id">
  <file id="f1"><unit id="u1">
    <segment id="s1"><source>Karena lapar, saya pesan <pc id="1">indomie</pc><ph id="2"/>.</source></segment>
    <segment id="s2">
      <source>Saya ingin beli <sc id="3"/>20<ec startRef="3"/> tiket untuk laga persebaya vs arema besok.</source>
    </segment>
  </unit></file>
</xliff>
"""


def test_inline_codes_are_placed_on_the_aligned_words_of_the_sentence_translated_whole(tiny: Translator) -> None:
    sentences = parse("a.xlf", INLINE).sources()
    assert sentences == [
        "Karena lapar, saya pesan indomie.",
        "Saya ingin beli 20 tiket untuk laga persebaya vs arema besok.",
    ]
    whole = [t.target for t in tiny.translate_sentences(sentences)]
    root = etree.fromstring(
        translate_file("a.xlf", INLINE, tiny.translate, lambda t: [s.target for s in tiny.translate_sentences(t)])
    )
    targets = [inner(target) for target in root.iter(f"{X}target")]
    assert targets == [
        'Because I was hungry, I ordered <pc id="1">Indomie</pc><ph id="2"/>',
        'I\'d like to buy <sc id="3"/>20<ec startRef="3"/> tickets for Persebaya vs Arema showdown tomorrow',
    ]
    assert [re.sub(r"<[^>]*>", "", t) for t in targets] == whole  # the codes never change the words
