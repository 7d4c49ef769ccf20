"""Where sentences end inside one paragraph: Indonesian rules for periods, abbreviations, initials, numbers,
URLs, closing quotes, glued ends from scraped news ("Pyongyang.Duta") and unpunctuated lines (headlines).

Written by hand: off-the-shelf splitters either miss glued ends or split Indonesian abbreviations (see the
segmentation table in docs/benchmarks.md); the decision is a handful of local rules over the characters around a
period.
"""

from __future__ import annotations

import bisect
import re

from translator import markdown, spans
from translator.segment.lexicon import Lexicon, lexicon

_CLOSERS = "\"'”’»)]*_`"  # closing quotes and brackets, and Markdown emphasis and code
_END = re.compile(r"[.!?…]+[" + re.escape(_CLOSERS) + "]*")
_WORD = re.compile(r"[\"'“‘(«\[*_`]*(\w+)")  # the next word, after any opening quote, bracket or emphasis
_TOKEN = re.compile(r"[^\s,;:]+")
_INITIALS = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]")  # "B", "B.J", "a": initials or a list marker
_ENUMERATOR = re.compile(r"\d{1,2}|[IVXivx]{1,4}")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_PROTECTED = re.compile(
    r"(?:https?://|www\.)[^\s<>\"]*[^\s<>\".,;:!?)\]'”’]"  # URLs, less trailing punctuation
    r"|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses (from a run's start: linear time)
)
_NOT_A_START = ",;:)]}%"
_CONTINUES = ",;(-–—/&"  # a line ending in one of these goes on in the next line
_WINDOW = 64  # how far the rules look around a period


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside text[start:end], trimmed of whitespace, covering all its non-space characters."""
    cuts = sorted(set(_punctuation_cuts(text, start, end)) | set(_line_cuts(text, start, end)))
    return spans.cut(text, start, end, cuts)


def _punctuation_cuts(text: str, start: int, end: int) -> list[int]:
    protected = [(m.start(), m.end()) for m in _PROTECTED.finditer(text, start, end)]
    starts = [s for s, _ in protected]
    lex = lexicon()
    cuts = []
    for m in _END.finditer(text, start, end):
        i = m.start()
        j = bisect.bisect_right(starts, i) - 1
        if j >= 0 and protected[j][1] > i:
            continue
        if m.end() < end and _ends_sentence(text, m, start, end, lex):
            cuts.append(m.end())
    return cuts


def _ends_sentence(text: str, m: re.Match[str], start: int, end: int, lex: Lexicon) -> bool:
    i, k = m.start(), m.end()
    punct = m.group().rstrip(_CLOSERS)
    left = _token_before(text, i, start)
    n = k
    while n < end and text[n].isspace():
        n += 1
    if n == end or text[n] in _NOT_A_START:
        return False
    if text[n].islower():
        # "1879. atau ...": a sentence that starts in lower case, after a plain word or number;
        # never after "?"/"!" or a closing quote ('"Siapa?" tanya dia'), nor after "dll." or an initial.
        return n > k and m.group() == "." and _plain_word(left, lex)
    if n == k and not text[k].isupper():  # "3.5", "(07/02).(Foto)"; glued ends are "Pyongyang.Duta"
        return False
    if punct != ".":  # "!", "?", "..." and "…" before a capital
        return True
    if not left:
        return True
    word_match = _WORD.match(text, n, min(end, n + _WINDOW))
    word = word_match.group(1) if word_match else ""
    if n == k and re.match(r"[A-Za-z]\.", text[n : n + 2]):  # "Ph.D.", "S.Pd.I.": a chain of abbreviation parts
        return False
    if lex.is_suffix(left):  # "dll. Besoknya" ends; "Co. Ltd." and "Tbk. (BBNI)" go on
        next_token = _TOKEN.match(text, n, min(end, n + _WINDOW))
        return text[n] != "(" and not (next_token and lex.is_abbreviation(next_token.group()))
    # "Dr.", and "Prof.Dr." glued: the last part decides
    if lex.is_prefix(left) or lex.is_prefix(left.rpartition(".")[2]) or _INITIALS.fullmatch(left):
        return word in lex.starters
    # "1. Pertama" at the start of a line is a list marker
    return not (_ENUMERATOR.fullmatch(left) and _starts_line(text, i - len(left), start))


def _token_before(text: str, i: int, start: int) -> str:
    """The word before a period: "Pyongyang", "A.S", "Jl", "2013" (a scan back, bounded by the window)."""
    lo, floor = i, max(start, i - _WINDOW)
    while lo > floor and (text[lo - 1].isalnum() or text[lo - 1] in "._'’-"):
        lo -= 1
    return text[lo:i].lstrip(".'’-")


def _plain_word(token: str, lex: Lexicon) -> bool:
    """A whole word or number, not an abbreviation: "Italia", "1879"; not "thn", "dkk", "B.J"."""
    if token.isdigit():
        return True
    return len(token) >= 4 and token.isalpha() and not lex.is_abbreviation(token)


def _starts_line(text: str, pos: int, start: int) -> bool:
    lo = max(start, pos - _WINDOW)
    before = text[lo:pos]
    cut = max(before.rfind("\n"), before.rfind("\r"))
    if cut < 0 and lo > start:
        return False
    return not before[cut + 1 :].strip()


def _line_cuts(text: str, start: int, end: int) -> list[int]:
    """A line without final punctuation (a headline, a caption) is its own sentence; a wrapped line is not
    (a quote's too, read after its `>`); a Markdown list item or heading always starts a sentence."""
    cuts = []
    for m in _LINE_BREAK.finditer(text, start, end):
        last = m.start()
        while last > start and text[last - 1].isspace():
            last -= 1
        nxt = m.end()
        while nxt < end and text[nxt].isspace():
            nxt += 1
        if last == start or nxt == end:
            continue
        word = markdown.lead(text, nxt, end)
        if markdown.opens_item(text, nxt, end) or (not text[word].islower() and text[last - 1] not in _CONTINUES):
            cuts.append(last)
    return cuts
