"""The inline-markup mechanism (translator/inline.py): tags held aside, placed back on the English."""

from __future__ import annotations

import re

from translator import inline


def _block(*items: str | tuple[str, str, str]) -> inline.Tagged:
    """Text items, and (open, text, close) tags around one text."""
    b = inline.Builder()
    for item in items:
        if isinstance(item, str):
            b.text(item)
        elif item[2] == "atom":
            b.atom(item[0])
        else:
            tag = b.open(item[0])
            b.text(item[1])
            b.close(tag, item[2])
    return b.build()


def test_a_tag_around_identical_words_lands_on_them() -> None:
    held = inline.hold(_block("Karena lapar, saya pesan ", ("<b>", "indomie", "</b>"), "."))
    assert held.sentences == ["Karena lapar, saya pesan indomie."]
    placed = held.place(["Because I was hungry, I ordered Indomie."])
    assert placed.render() == "Because I was hungry, I ordered <b>Indomie</b>."
    assert placed.moved == (False,)


def test_a_tag_around_the_whole_sentence_wraps_the_whole_english() -> None:
    placed = inline.hold(_block(("<i>", "Semua kata", "</i>"), ".")).place(["All the words."])
    assert placed.render() == "<i>All the words</i>."
    placed = inline.hold(_block(("<i>", "Semua kata.", "</i>"))).place(["All the words."])
    assert placed.render() == "<i>All the words.</i>"


def test_a_guess_is_flagged_and_the_words_never_change() -> None:
    held = inline.hold(_block("Saya ", ("<b>", "makan", "</b>"), " nasi di rumah."))
    english = "I eat rice at home."
    placed = held.place([english])
    assert placed.moved == (True,)
    rendered = placed.render()
    assert re.sub(r"</?b>", "", rendered) == english
    assert rendered.count("<b>") == 1 and rendered.count("</b>") == 1


def test_tags_nest_as_in_the_source_and_atoms_keep_their_place() -> None:
    b = inline.Builder()
    b.text("Presiden ")
    outer = b.open("<b>")
    inner = b.open('<a href="/j?a=1&b=2">')
    b.text("Joko Widodo")
    b.close(inner, "</a>")
    b.close(outer, "</b>")
    b.text(" datang")
    b.atom('<x id="0"></x>')
    b.text(" hari ini.")
    placed = inline.hold(b.build()).place(["President Joko Widodo came today."])
    assert placed.render() == 'President <b><a href="/j?a=1&b=2">Joko Widodo</a></b> came<x id="0"></x> today.'
    assert [t.parent for t in placed.tags] == [None, 0, None]


def test_a_tag_across_two_sentences_opens_in_one_and_closes_in_the_other() -> None:
    held = inline.hold(_block("Ini ", ("<i>", "Jakarta. Itu Bandung", "</i>"), " juga."))
    assert held.sentences == ["Ini Jakarta.", "Itu Bandung juga."]
    placed = held.place(["This is Jakarta.", "That is Bandung too."])
    assert placed.render() == "This is <i>Jakarta. That is Bandung</i> too."
    assert placed.moved == (False, False)


def test_unclosed_tags_keep_their_end_omitted_and_deep_nesting_is_no_recursion() -> None:
    b = inline.Builder()
    for _ in range(10_000):
        b.open("<b>")
    b.text("kata")
    b.close(0, "</b>")  # closes all of them: the inner ones with no end tag of their own
    rendered = inline.hold(b.build()).place(["word"]).render()
    assert rendered == "<b>" * 10_000 + "word</b>"
