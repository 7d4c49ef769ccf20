"""SubRip subtitles (.srt): every cue's number and timing lines come back byte for byte, its text in English.

Hand-written: the srt and pysrt libraries re-serialise the timing lines they parse.

- A sentence that runs over cues (a cue whose text does not end in . ! ? or ♪ — "..." included — goes on in the
  next; at most MAX_SPAN cues) is translated whole, and its English is shared over those cues in proportion to
  their source lengths, cut between words: no word is split, every cue gets a word while there are words
  enough, and near its mark a cut after punctuation is preferred.
- A cue's English is one line up to LINE characters, else two lines cut at the space nearest the middle.
- A dialogue cue (a line of it starts with a dash: a speaker each, the first perhaps without one) is a
  sentence a speaker, never run on from or into other cues: the model sees no dash, and each speaker's
  English comes back on a line of its own after the source's dash ("- ", "-" or "– ", as written). A line
  without a dash goes on with the speaker before it.
- Tags (<i> <b> <u> <s> <font …>, and {\\an8}-style positions): those around a whole cue, also when repeated on
  each of its lines, come back around its English; tags around part of a cue come back around the English
  words aligned with the words they enclosed (translator/inline.py, on the cue's share of its sentence's
  English), a position code at its aligned point; an end tag the cue leaves out stays left out. The texts
  handed out are plain.
- A byte-order mark and CRLF line ends are kept; cues come back separated by one blank line, also where the
  source left it out (a number line followed by a timing line starts a cue).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from translator import inline, utf8
from translator.errors import InputError
from translator.files import Options, Parsed, encode

MAX_SPAN = 4  # cues one sentence may run over: unpunctuated subtitles would otherwise be one endless sentence
LINE = 42  # characters on a subtitle line, the common broadcast limit

_NUMBER = re.compile(r"\s*\d+\s*")
_TIME = r"\d+:\d{2}:\d{2}[,.]\d{3}"
_TIMING = re.compile(rf"\s*{_TIME}\s*-->\s*{_TIME}(?:\s.*)?")  # coordinates after the times are kept too
_OPEN = r"<(?:i|b|u|s|font)\b[^>]*>|\{\\[^}]*\}"
_CLOSE = r"</(?:i|b|u|s|font)\s*>"
_TAG = re.compile(rf"{_OPEN}|{_CLOSE}", re.I)
_PREFIX = re.compile(rf"(?:\s*(?:{_OPEN}))*", re.I)
_SUFFIX = re.compile(rf"(?:(?:{_CLOSE})\s*)*$", re.I)
_FINAL = re.compile(r"(?:(?<!\.)\.|[!?♪])[\"'”’»)\]]*$")
_DASH = re.compile(r"[-‐–—]\s*")  # a speaker's dash at the start of a line, with its space
_PUNCTUATED = tuple(".,!?;:…")


@dataclass(frozen=True)
class Cue:
    head: str  # the number and timing lines, as they were
    # the cue's text, or a dialogue cue's speakers, each with the tags inside it; () for none
    tagged: tuple[inline.Tagged, ...]
    dashes: tuple[str, ...] = ()  # a dialogue cue's: each speaker's dash as written ("" for a first without)
    prefix: str = ""  # tags around the whole cue
    suffix: str = ""

    @property
    def dialogue(self) -> bool:
        return bool(self.dashes)

    @property
    def texts(self) -> tuple[str, ...]:
        """What the model reads of each: plain, on one line."""
        return tuple(" ".join(tagged.text.split()) for tagged in self.tagged)

    def render(self, english: Sequence[str]) -> str:
        if not any(english):
            return self.head
        if self.dialogue:
            lines = [
                f"{dash}{_tags(t, text, False)}"
                for dash, t, text in zip(self.dashes, self.tagged, english, strict=True)
            ]
        else:
            lines = [_tags(self.tagged[0], english[0], True)]
        text = "\n".join(lines)
        return f"{self.head}\n{self.prefix}{text}{self.suffix}"


def _tags(tagged: inline.Tagged, english: str, wrap: bool) -> str:
    """`english` with the tags of `tagged` placed on it; on two balanced lines where it is long and `wrap`."""
    placed = inline.place(tagged, english) if tagged.tags else None
    text = placed.text if placed is not None else english
    if wrap and (cut := _cut(text)) is not None:
        text = f"{text[:cut]}\n{text[cut + 1 :]}"  # the same length: the tags' places stand
    return dataclasses.replace(placed, text=text).render() if placed is not None else text


def parse(data: bytes, options: Options) -> Parsed:
    source, bom = utf8.decode(data), utf8.bom(data)
    crlf = "\r\n" in source
    cues = [_cue(start, block) for start, block in _blocks(source.replace("\r\n", "\n"))]
    spans = _spans(cues)

    def rebuild(english: Sequence[str]) -> bytes:
        shares = [["" for _ in cue.texts] for cue in cues]
        for span, text in zip(spans, english, strict=True):
            weights = [len(cues[cue].texts[turn]) for cue, turn in span]
            for (cue, turn), share in zip(span, _share(text, weights), strict=True):
                shares[cue][turn] = share
        body = "\n\n".join(cue.render(share) for cue, share in zip(cues, shares, strict=True))
        return encode(body + "\n" if cues else "", bom, crlf)

    texts = [" ".join(cues[cue].texts[turn] for cue, turn in span) for span in spans]
    return Parsed(texts, False, rebuild, "application/x-subrip")


def _blocks(source: str) -> list[tuple[int, list[str]]]:
    """The runs of non-blank lines, each with the number of its first line; a number line followed by a timing
    line starts a run of its own, as in files that leave out the blank line between cues."""
    lines = source.split("\n")
    blocks: list[tuple[int, list[str]]] = []
    for number, (line, following) in enumerate(zip(lines, [*lines[1:], ""], strict=True), 1):
        if not line.strip():
            continue
        starts = _NUMBER.fullmatch(line) and _TIMING.fullmatch(following)
        if blocks and blocks[-1][0] + len(blocks[-1][1]) == number and not starts:
            blocks[-1][1].append(line)
        else:
            blocks.append((number, [line]))
    return blocks


def _cue(start: int, block: list[str]) -> Cue:
    if not _NUMBER.fullmatch(block[0]):
        raise InputError(f"malformed subtitles: line {start} should be a cue number, not {block[0][:40]!r}")
    if len(block) < 2 or not _TIMING.fullmatch(block[1]):
        found = repr(block[1][:60]) if len(block) > 1 else "nothing"
        raise InputError(
            f"malformed subtitles: cue {block[0].strip()} (line {start + 1}) needs a timing line like "
            f"'00:00:01,000 --> 00:00:02,500', not {found}"
        )
    head, raw = "\n".join(block[:2]), "\n".join(block[2:])
    prefix = _PREFIX.match(raw).group()  # type: ignore[union-attr]  # matches at least ""
    rest = raw[len(prefix) :]
    suffix = _SUFFIX.search(rest).group()  # type: ignore[union-attr]
    core = rest[: len(rest) - len(suffix)].replace(f"{suffix.strip()}\n{prefix.strip()}", "\n")
    lines = [line.strip() for line in core.split("\n") if line.strip()]
    starts = [i for i, line in enumerate(lines) if _DASH.match(line)]
    if not starts:  # no speaker's dash
        return Cue(head, (_tagged(" ".join(lines)),) if lines else (), (), prefix.strip(), suffix.strip())
    bounds = [0, *(i for i in starts if i), len(lines)]
    turns = [lines[a:b] for a, b in pairwise(bounds)]
    dashes = tuple(m.group() if (m := _DASH.match(turn[0])) else "" for turn in turns)
    tagged = tuple(_tagged(" ".join(turn)[len(dash) :]) for turn, dash in zip(turns, dashes, strict=True))
    return Cue(head, tagged, dashes, prefix.strip(), suffix.strip())


def _tagged(text: str) -> inline.Tagged:
    """A cue's (or a speaker's) text with its tags held aside: an end tag closes the innermost open tag of its
    name (one without is kept as a point of its own), a position code is a point."""
    builder, opened = inline.Builder(), list[tuple[str, int]]()  # the open tags' names and indices
    at = 0
    for match in _TAG.finditer(text):
        builder.text(text[at : match.start()])
        at, markup = match.end(), match.group()
        name = re.match(r"</?\s*(\w*)", markup)
        if markup.startswith("{") or name is None:
            builder.atom(markup)
        elif markup.startswith("</"):
            found = [k for k, (open_name, _) in enumerate(opened) if open_name == name.group(1).lower()]
            if found:
                builder.close(opened[found[-1]][1], markup)
                del opened[found[-1] :]
            else:
                builder.atom(markup)
        else:
            opened.append((name.group(1).lower(), builder.open(markup)))
    builder.text(text[at:])
    return builder.build()


def _spans(cues: list[Cue]) -> list[list[tuple[int, int]]]:
    """The (cue, text) pairs of each sentence-long run: a run of plain cues, or one speaker of a dialogue cue;
    cues without text are in none."""
    spans: list[list[tuple[int, int]]] = []
    open_span = False
    for index, cue in enumerate(cues):
        if cue.dialogue or not cue.texts:
            spans += [[(index, turn)] for turn in range(len(cue.texts))]
            open_span = False
            continue
        if open_span:
            spans[-1].append((index, 0))
        else:
            spans.append([(index, 0)])
        open_span = not _FINAL.search(cue.texts[0]) and len(spans[-1]) < MAX_SPAN
    return spans


def _share(english: str, weights: list[int]) -> list[str]:
    """`english` cut between words into len(weights) pieces sized like the weights."""
    words = english.split()
    n, k = len(words), len(weights)
    ends = [0]
    for word in words:
        ends.append(ends[-1] + len(word) + (1 if ends[-1] else 0))
    total, whole = ends[-1], sum(weights) or 1
    full = n >= k  # enough words for every piece to get one
    cuts, done = [0], 0
    for i in range(1, k):
        done += weights[i - 1]
        mark = total * done / whole
        slack = total * weights[i - 1] / whole / 4  # a cut after punctuation wins within a quarter of a share

        def cost(j: int, mark: float = mark, slack: float = slack) -> float:
            return abs(ends[j] - mark) - (slack if j and words[j - 1].endswith(_PUNCTUATED) else 0)

        cuts.append(min(range(cuts[-1] + full, n - (k - i) * full + 1), key=cost))
    cuts.append(n)
    return [" ".join(words[a:b]) for a, b in pairwise(cuts)]


def _cut(text: str) -> int | None:
    """Where a cue's English goes on a second line (the space nearest its middle), or None: one line will do."""
    if len(text) <= LINE or " " not in text:
        return None
    middle = len(text) / 2
    return min((i for i, c in enumerate(text) if c == " "), key=lambda i: abs(i - middle))
