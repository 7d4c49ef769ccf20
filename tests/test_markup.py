"""HTML fragments: text nodes out, markup back byte for byte, non-prose elements left alone."""

from __future__ import annotations

import pytest

from translator import markup

CASES = [
    ("<p>Halo <b>dunia</b>!</p>", ["Halo", "dunia", "!"]),
    ("<a href=\"x?a=1&amp;b=2\" TITLE='t'>Baca &amp; tulis</a>", ["Baca & tulis"]),
    ("<script>var a = '<b>x</b>';</script><p>teks</p>", ["teks"]),
    ("<!-- <p>bukan</p> --><br/>kata<BR>lagi", ["kata", "lagi"]),
    ("tanpa tag", ["tanpa tag"]),
    ("<pre>kode</pre><style>p{}</style>", []),
    ("", []),
]


@pytest.mark.parametrize(("source", "nodes"), CASES)
def test_text_nodes_and_identity_render(source: str, nodes: list[str]) -> None:
    fragment = markup.parse(source)
    assert fragment.sources() == nodes
    assert fragment.render(fragment.sources()) == source  # the markup comes back byte for byte


def test_translations_go_back_escaped_with_surrounding_space_kept() -> None:
    fragment = markup.parse("<p>  satu </p>\n<p>dua</p>")
    assert fragment.render(["one <1>", "two & three"]) == "<p>  one &lt;1&gt; </p>\n<p>two &amp; three</p>"


def test_a_script_is_kept_whole_whatever_it_holds() -> None:
    # `i<n;i++){…}</script>` would read as one tag that swallows the end tag; a "<!--" in a string as a comment
    source = '<script>for(i=0;i<n;i++){s="<!--"}</script><p>Halo</p><style>a<b{}</style><p>dunia</p>'
    fragment = markup.parse(source)
    assert fragment.sources() == ["Halo", "dunia"]
    assert fragment.render(["Hello", "world"]) == source.replace("Halo", "Hello").replace("dunia", "world")


def test_a_whole_page_keeps_everything_but_its_text_nodes() -> None:
    page = (
        '<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8"><title>Berita &amp; opini</title>\n'
        "<!-- komentar <b>bukan</b> teks --></head>\n<body><p class='x' data-a=\"1>2\">Harga &lt;naik&gt;&nbsp;lagi"
        '</p><![CDATA[ a > b ]]><img alt="gambar" src="a.png"/></body></html>\n'
    )
    fragment = markup.parse(page)
    assert fragment.sources() == ["Berita & opini", "Harga <naik>\xa0lagi"]
    english = fragment.render(["News & views", "Prices <up>"])
    assert english == page.replace("Berita &amp; opini", "News &amp; views").replace(
        "Harga &lt;naik&gt;&nbsp;lagi", "Prices &lt;up&gt;"
    )
