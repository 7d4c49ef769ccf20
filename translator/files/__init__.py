"""Files translated in place: a file's bytes in, the texts to translate out, the same type of file rebuilt
from their English. One module per format; nothing here reads or writes anything but bytes.

The service translates `Parsed.texts` (plain documents, or markup fragments whose text nodes it translates)
and hands the English to `Parsed.rebuild`; `translate_file` does the same with any function, for tests and
the command line.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

from translator import inline, markup, quality
from translator.errors import InputError
from translator.markup import HTML, Fragments
from translator.markup import Options as MarkupOptions
from translator.registry import Registry

Rebuild = Callable[[Sequence[str]], bytes]
# the families of text a reader sees that are translated unless a setting (TRANSLATOR_DOCUMENT_SKIP, or
# translate-file --skip) leaves them as they were, counted in the result's `untranslated`
FAMILIES: dict[str, str] = {
    "footnotes": ".docx footnotes",
    "endnotes": ".docx endnotes",
    "comments": ".docx comments (their text; the marks in the body are kept)",
    "alt": "an .html image's alt text",
    "title": "an .html element's title attribute",
    "description": 'an .html page\'s <meta name="description"> content',
}


@dataclass(frozen=True)
class Options:
    """How files are translated: the families of FAMILIES left untranslated; `markup`: how a request asked for
    an .html file's markup to be read (DeepL's tag options), None for the default (other formats ignore it)."""

    skip: frozenset[str] = frozenset()
    markup: MarkupOptions | None = None

    @classmethod
    def parse(cls, families: str) -> Options:
        """`footnotes,comments`: the families to skip, or ValueError naming an unknown one."""
        skip = frozenset(name.strip().lower() for name in families.split(",") if name.strip())
        if unknown := sorted(skip - FAMILIES.keys()):
            raise ValueError(f"unknown {', '.join(unknown)}: the families are {', '.join(FAMILIES)}")
        return cls(skip)


# suffix -> the `parse(data: bytes, options: Options) -> Parsed` that reads that format
FORMATS: Registry[Callable[[bytes, Options], Parsed]] = Registry(
    {
        ".txt": "translator.files.txt:parse",
        ".html": "translator.files.html:parse",
        ".htm": "translator.files.html:parse",
        ".docx": "translator.files.docx:parse",
        ".srt": "translator.files.srt:parse",
        ".xlf": "translator.files.xliff:parse",
        ".xliff": "translator.files.xliff:parse",
        ".md": "translator.files.txt:parse_markdown",
        ".markdown": "translator.files.txt:parse_markdown",
    }
)
SUFFIXES: tuple[str, ...] = tuple(FORMATS)


@dataclass(frozen=True)
class Built:
    """A translated file, and how many of its sentences carry each flag: `markup_moved`, those whose inline
    markup was placed by a guess (absent where none was, as in a format without inline markup)."""

    data: bytes
    flags: dict[str, int]


@dataclass(frozen=True)
class Parsed:
    """What to translate in a file, and how to make the translated file from the English."""

    texts: list[str]  # in order; "" and whitespace-only texts are translated as themselves
    markup: bool  # True: each text is an HTML/XML fragment, its sentences translated whole, its markup kept
    rebuild: Rebuild  # the English of each text, same order -> the translated file's bytes
    media_type: str  # of the output
    # what the file holds that a reader sees and that is left as it was, by kind (docs/documents.md lists the
    # kinds): a count each, said in the job's status and by translate-file, never left silently
    untranslated: Mapping[str, int] = field(default_factory=dict)
    whole: bool = False  # each text is one sentence (a .docx paragraph's, cut around its inline tags)
    reading: MarkupOptions = HTML  # how the markup is read

    @property
    def by_sentence(self) -> bool:
        """Whether each of `sources()` is translated as one sentence, not segmented again."""
        return self.markup or self.whole

    def sources(self) -> list[str]:
        """What the model translates: the plain texts, or every sentence of the markup fragments, in order, each
        to be translated as one sentence (translator/markup.py; its inline tags held aside)."""
        if not self.markup:
            return list(self.texts)
        return self.fragments.sources()

    def build(self, english: Sequence[str]) -> bytes:
        """The translated file from the English of each of `sources()`, in order."""
        if not self.markup:
            return self.rebuild(english)
        return self.rebuild([r.text for r in self.fragments.render(english)])

    @functools.cached_property
    def fragments(self) -> Fragments:
        """The markup texts read once (their sources, then their English, come from the same reading)."""
        return markup.parse_all(self.texts, self.reading)

    def translated(self, english: Sequence[str]) -> Built:
        """`build(english)`, with the count of sentences whose tags were placed by a guess (inline.tally)."""
        with inline.tally() as moved:
            data = self.build(english)
        return Built(data, {quality.MARKUP_MOVED: moved[0]} if moved[0] else {})

    @functools.cached_property
    def characters(self) -> int:
        """Source characters (code points) that will be translated, as they are billed."""
        return sum(map(len, self.sources()))


def parse(filename: str, data: bytes, options: Options = Options()) -> Parsed:
    """The texts of a file named `filename` (its suffix says the format), or InputError saying why not."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"cannot translate {suffix or 'a file without a suffix'}: supported are {', '.join(SUFFIXES)}")
    return FORMATS.load(suffix)(data, options)


def translate_file(
    filename: str,
    data: bytes,
    translate: Callable[[list[str]], list[str]],
    sentences: Callable[[list[str]], list[str]] | None = None,
    options: Options = Options(),
) -> bytes:
    """The file translated by `translate` (N texts in, N English out; the service does the same with its
    batcher), and, when given, by `sentences` (each text translated as one sentence) where its texts are
    sentences (markup's, a .docx's)."""
    parsed = parse(filename, data, options)
    whole = sentences if parsed.by_sentence and sentences is not None else translate
    return parsed.build(whole(parsed.sources()))


def encode(text: str, bom: bytes, crlf: bool) -> bytes:
    """`text` (LF line ends) back to bytes with the source's byte-order mark and line ends."""
    return bom + (text.replace("\n", "\r\n") if crlf else text).encode("utf-8")
