"""Numbers, amounts, percentages and dates as values, read the Indonesian way from a source sentence and
the English way from its translation, so that a number the model dropped or changed can be caught.

Indonesian writes 9.500.000 and 9,5 (dot for thousands, comma for decimals) and scales with ribu, juta,
miliar, triliun; English writes 9,500,000 and 9.5 and scales with thousand, million, billion, trillion.
Dates like (07/02) are day/month. Written by hand: number parsers for either language do not read the
other's separators, and the comparison needs both.
"""

from __future__ import annotations

import re
from collections import Counter

_ID_SCALES = {
    "puluh": 10, "ratus": 100, "ribu": 1e3, "rb": 1e3, "juta": 1e6, "jt": 1e6, "miliar": 1e9, "milyar": 1e9,
    "triliun": 1e12,
}  # fmt: skip
_EN_SCALES = {"thousand": 1e3, "million": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12}
_EN_WORDS = {
    w: float(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
} | {w: float(10 * i) for i, w in enumerate("thirty forty fifty sixty seventy eighty ninety".split(), start=3)}
# "satu" is left out: "salah satu", "satu rumah" come out as "one of", "a house"
_ID_WORDS = {w: float(i) for i, w in enumerate("nol - dua tiga empat lima enam tujuh delapan sembilan sepuluh".split())}
_ID_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("januari", "jan"), ("februari", "feb", "pebruari"), ("maret", "mar"), ("april", "apr"), ("mei",),
            ("juni", "jun"), ("juli", "jul"), ("agustus", "agu", "agt"), ("september", "sep", "sept"),
            ("oktober", "okt"), ("november", "nov", "nopember"), ("desember", "des"),
        ]
    )
    for m in names
}  # fmt: skip
_EN_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ]
    )
    for m in names
}  # fmt: skip

_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?(?![\d/])")
_TIME = re.compile(r"(?<![\d.:,])(\d{1,2})[.:](\d{2})(?![\d.:,])")
_NUMBER = re.compile(r"(?<![\d.,])(\d{1,3}(?:[.,]\d{3})+|\d+)(?:([.,])(\d+))?(?![\d])")
_WORD = re.compile(r"[^\W\d_]+")
_MONTH_NUMBER = re.compile(r"\bbulan\s+(\d{1,2})(?!\d)")


def indonesian(text: str) -> Counter[str]:
    return _values(text, ".", ",", _ID_SCALES, _ID_WORDS, _ID_MONTHS)


def english(text: str) -> Counter[str]:
    return _values(text, ",", ".", _EN_SCALES, _EN_WORDS, _EN_MONTHS)


def missing(source: str, target: str) -> list[str]:
    """The source's values that the target lacks (dropped or changed), as normalised strings."""
    wanted = indonesian(source)
    if not wanted:  # most sentences hold no value: the target need not be read
        return []
    # the target is read both ways: translators (and models) sometimes keep Indonesian separators
    return sorted((wanted - (english(target) | indonesian(target))).elements())


def _values(
    text: str,
    thousands: str,
    decimal: str,
    scales: dict[str, float],
    words: dict[str, float],
    months: dict[str, int],
) -> Counter[str]:
    lowered = text.lower()
    values: Counter[str] = Counter()
    taken = [False] * len(lowered)

    def claim(m: re.Match[str]) -> bool:
        if any(taken[m.start() : m.end()]):
            return False
        for i in range(m.start(), m.end()):
            taken[i] = True
        return True

    for m in _DATE.finditer(lowered):
        day, month = int(m.group(1)), int(m.group(2))
        if 1 <= day <= 31 and 1 <= month <= 12 and claim(m):
            values[f"date:{day}/{month}"] += 1
    for m in _TIME.finditer(lowered):
        context = lowered[max(0, m.start() - 8) : m.end() + 6]
        if re.search(r"pukul|jam|wib|wita|wit\b|a\.m|p\.m|am\b|pm\b|at ", context) and claim(m):
            values[f"time:{int(m.group(1))}:{m.group(2)}"] += 1
    for m in _MONTH_NUMBER.finditer(lowered):  # "bulan 11" is November
        if 1 <= int(m.group(1)) <= 12 and claim(m):
            values[f"month:{int(m.group(1))}"] += 1
    for m in _NUMBER.finditer(lowered):
        if m.start() > 0 and lowered[m.start() - 1].isalpha() and m.group() == "2":
            continue  # "rica2", "hati2": the informal mark of a doubled word
        if not claim(m):
            continue
        whole, sep, fraction = m.group(1), m.group(2), m.group(3)
        value = _number(whole, sep, fraction, thousands, decimal)
        if value is None:
            continue
        after = _WORD.match(lowered, _skip_space(lowered, m.end()))
        if after and after.group() in scales:
            value *= scales[after.group()]
        values[_fmt(value)] += 1
    for m in _WORD.finditer(lowered):
        if lowered[max(0, m.start() - 5) : m.start()] == "kaki ":
            continue  # "kaki lima": a street stall, not five of anything
        if m.group() in words and not any(taken[m.start() : m.end()]):
            value = words[m.group()]
            after = _WORD.match(lowered, _skip_space(lowered, m.end()))
            if after and after.group() in scales:
                value *= scales[after.group()]
            values[_fmt(value)] += 1
    for m in _WORD.finditer(lowered):  # month names: "7 February" is the date 7/2
        if m.group() in months:
            day_before = re.search(r"(\d{1,2})\s*$", lowered[max(0, m.start() - 4) : m.start()])
            day_after = re.match(r"\s*(\d{1,2})(?!\d)", lowered[m.end() : m.end() + 4])
            found = day_before or day_after
            if not found:
                values[f"month:{months[m.group()]}"] += 1
                continue
            values[f"date:{int(found.group(1))}/{months[m.group()]}"] += 1
            number = _fmt(float(found.group(1)))
            if values[number] > 0:
                values[number] -= 1  # the day was counted as a plain number too
    return +values


def _number(whole: str, sep: str | None, fraction: str | None, thousands: str, decimal: str) -> float | None:
    digits = whole.replace(thousands, "")
    if not digits.isdigit():
        return None  # a separator of the other language inside the whole part: "9,500" read as Indonesian
    if sep is None or fraction is None:
        return float(digits)
    if sep == decimal:
        return float(f"{digits}.{fraction}")
    if sep == thousands and len(fraction) == 3:
        return float(digits + fraction)
    return None


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] == " ":
        i += 1
    return i


def _fmt(value: float) -> str:
    return f"{value:.6g}" if value != int(value) else str(int(value))
