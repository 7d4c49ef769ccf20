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
