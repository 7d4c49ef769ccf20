"""Markup options from the request parameters that ask for them: DeepL's tag handling (`tag_handling`,
`splitting_tags`, `non_splitting_tags`, `ignore_tags`, `outline_detection`, `split_sentences`), and the
`format` of LibreTranslate and our /v1 (html or xml); and the header that counts tags placed by a guess."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Response

from translator import markup, quality

MOVED_HEADER = "X-Markup-Moved"  # sentences whose inline markup was placed by a guess (the markup_moved flag)


def deepl(
    tag_handling: str | None,
    ignore_tags: Iterable[str],
    splitting_tags: Iterable[str],
    non_splitting_tags: Iterable[str],
    outline_detection: bool,
    split_sentences: str,
) -> markup.Options | None:
    """The markup options of a DeepL request; None when it asks for none (plain text). `ignore_tags` alone
    reads the text as XML, as DeepL does."""
    ignored = frozenset(ignore_tags)
    if tag_handling is None and not ignored:
        return None
    return markup.Options(
        xml=tag_handling != "html",
        splitting=frozenset(splitting_tags),
        non_splitting=frozenset(non_splitting_tags),
        ignored=ignored,
        outline=outline_detection,
        split=split_sentences != "0",
    )


def of_format(text_format: str) -> markup.Options | None:
    """The markup options of a `format` ("text", "html" or "xml"); None for text."""
    return {"html": markup.Options(), "xml": markup.Options(xml=True)}.get(text_format)


def count_moved(response: Response, flags: dict[str, int]) -> None:
    """Say in a header how many sentences had a tag placed by a guess."""
    response.headers[MOVED_HEADER] = str(flags.get(quality.MARKUP_MOVED, 0))
