"""An .html page's texts outside its text nodes (alt, title, meta description) translated, entities as
written, and what a reader sees left as written counted in a comment (issue 23, item 4's HTML parts)."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from translator.files import Options, html, translate_file

PAGE = (
    '<!DOCTYPE html><html><head><meta name="description" content="Berita &amp; opini">'
    '<meta name="keywords" content="tidak"><title>Judul</title></head>'
    '<body><p title=\'Keterangan\'>Kata&nbsp;pertama <img alt="gambar &quot;x&quot;" src="a.png"> '
    '<code>x &lt; y</code> lagi &copy; 2024.</p><span translate="no" title="tetap">Jakarta</span>'
    '<img alt="" src="b.png"></body></html>'
)


def shout(texts: list[str]) -> list[str]:
    return [text.upper() for text in texts]


def test_alt_title_and_meta_description_are_translated_and_read_back() -> None:
    out = translate_file("a.html", PAGE.encode(), shout).decode()
    page = lxml.html.document_fromstring(out)
    assert page.xpath("//meta[@name='description']/@content") == ["BERITA & OPINI"]
    assert page.xpath("//meta[@name='keywords']/@content") == ["tidak"]  # not a text a reader sees
    assert page.xpath("//p/@title") == ["KETERANGAN"]
    assert page.xpath("//img/@alt") == ['GAMBAR "X"', ""]
    assert page.xpath("//span/@title") == ["tetap"]  # translate="no": the element and its attributes as written
    assert page.findtext(".//title") == "JUDUL"


def test_entities_come_back_as_written() -> None:
    out = translate_file("a.html", PAGE.encode(), shout).decode()
    assert "&copy; 2024." in out and "<code>x &lt; y</code>" in out
    assert "&nbsp;" in out or "KATA PERTAMA" in out  # an entity inside a sentence is as the English has it


def test_what_is_left_as_written_is_counted_and_a_family_can_be_turned_off() -> None:
    out = translate_file("a.html", PAGE.encode(), shout).decode()
    assert "<!-- translator: left as written: 1 code, 1 translate=no --></body>" in out
    parsed = html.parse(PAGE.encode(), Options(frozenset({"title", "description"})))
    english = parsed.build(shout(parsed.sources())).decode()
    assert 'title="Keterangan"' not in english and "title='Keterangan'" in english
    assert 'content="Berita &amp; opini"' in english
    assert "left as written: 1 code, 1 description, 1 title, 1 translate=no" in english
    plain = translate_file("a.html", b"<p>Kata <b>lagi</b>.</p>", shout)
    assert plain == b"<p>KATA <b>LAGI</b>.</p>"  # nothing left: no comment


def test_the_setting_names_the_families(tmp_path: Path) -> None:
    from tests.conftest import TINY_MODEL
    from translator import cli

    (tmp_path / "a.html").write_text('<p title="Judul">x</p><img alt="Gambar">', encoding="utf-8")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TRANSLATOR_DOCUMENT_SKIP", "title,description")
        assert cli.main(["translate-file", str(tmp_path / "a.html"), "--model", str(TINY_MODEL)]) in (0, None)
        out = (tmp_path / "a.en.html").read_text(encoding="utf-8")
        assert 'title="Judul"' in out and 'alt="Gambar"' not in out and "1 title" in out
        env.setenv("TRANSLATOR_DOCUMENT_SKIP", "alt,caption")
        assert cli.main(["translate-file", str(tmp_path / "a.html"), "--force"]) == 2  # a bad setting: a usage error
