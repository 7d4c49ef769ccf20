"""Glossary entries read from text, as DeepL reads them: TSV (`source<TAB>target` a line) or CSV (`source,target`
with standard quoting, and optional `source_lang,target_lang` columns: rows of another pair are skipped), under
DeepL's content rules: no empty or duplicate source, no control character or line break in a term, no
whitespace around one, at most 1024 UTF-8 bytes a term and 10 MiB in all. `read` finds every problem, each
with its line; `parse` refuses on the first (`GlossaryError`, an InputError naming its line and rule)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from translator import utf8
from translator.errors import InputError
from translator.glossary import Entry

Format = Literal["tsv", "csv"]
FORMATS: tuple[Format, ...] = ("tsv", "csv")
MAX_TERM_BYTES = 1024  # DeepL's, for a source, a target and a glossary's name
MAX_BYTES = 10 * 1024 * 1024  # DeepL's, for a dictionary's entries as sent
SOURCE_LANG, TARGET_LANG = "id", "en"  # the one pair this server translates
# C0 and C1 control characters (Unicode's Cc: tab and newline among them), DEL, the line and paragraph
# separators, and unpaired surrogates (a JSON "\\ud800")
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


@dataclass(frozen=True)
class Problem:
    line: int  # from 1; 0 for the whole text
    rule: str
    unit: str = "line"  # or "entry", for pairs

    def __str__(self) -> str:
        return f"{self.unit} {self.line}: {self.rule}" if self.line else self.rule


class GlossaryError(InputError):
    """Entries that break a rule: the first problem in the message, every problem found in `problems`."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"invalid glossary entries: {problems[0]}{more}")
        self.problems = tuple(problems)


@dataclass
class Read:
    """What a text holds: its entries, each with its line, and every problem found."""

    entries: list[tuple[int, Entry]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: int = 0  # CSV rows of another language pair


def term_problem(term: str, what: str) -> str | None:
    """Why `term` (a source, a target or a name) breaks DeepL's rules, or None. (One regular expression for the
    characters: a loop over them in Python cost 100,000 entries seconds.)"""
    if not term:
        return f"the {what} is empty"
    if term != term.strip():
        return f"the {what} {_shown(term)} has whitespace at its start or end"
    if found := _FORBIDDEN.search(term):
        char, at = found.group(), found.start()
        if 0xD800 <= ord(char) <= 0xDFFF:
            return f"the {what} {_shown(term)} holds an unpaired surrogate (U+{ord(char):04X}, at {at})"
        return f"the {what} {_shown(term)} holds a control character or line break (U+{ord(char):04X}, at {at})"
    if len(term) * 4 > MAX_TERM_BYTES and (size := len(term.encode("utf-8"))) > MAX_TERM_BYTES:
        return f"the {what} is {size} UTF-8 bytes, over the limit of {MAX_TERM_BYTES}"
    return None


def _shown(term: str) -> str:
    return repr(term if len(term) <= 40 else term[:40] + "…")


def read(text: str, entries_format: str = "tsv") -> Read:
    """Every entry and every problem of `text` in `entries_format` (tsv or csv)."""
    result = Read()
    if entries_format not in FORMATS:
        result.problems.append(Problem(0, f"unsupported entries format {entries_format!r}: tsv or csv"))
        return result
    if (size := len(text.encode("utf-8", "surrogatepass"))) > MAX_BYTES:
        result.problems.append(Problem(0, f"the entries are {size} bytes, over the limit of {MAX_BYTES} (10 MiB)"))
        return result
    text = text.removeprefix("\ufeff")  # a byte-order mark a spreadsheet wrote, not part of the first source
    rows = _tsv(text) if entries_format == "tsv" else _csv(text, result)
    _collect(rows, entries_format, result)
    if not result.entries and not result.problems:
        why = "" if not result.skipped else f" ({result.skipped} rows of another language pair skipped)"
        result.problems.append(Problem(0, f"there are no entries{why}"))
    return result


def read_pairs(pairs: Iterable[tuple[str, str]]) -> Read:
    """Entries given as (source, target) pairs (a JSON object's), under the same rules; a problem's `line` is
    the pair's number, from 1."""
    result = Read()
    _collect(((n, [s, t]) for n, (s, t) in enumerate(pairs, start=1)), "pairs", result, "entry")
    if (size := len(to_tsv(e for _, e in result.entries).encode("utf-8", "surrogatepass"))) > MAX_BYTES:
        result.problems.insert(0, Problem(0, f"the entries are {size} bytes, over the limit of {MAX_BYTES} (10 MiB)"))
    if not result.entries and not result.problems:
        result.problems.append(Problem(0, "there are no entries"))
    return result


def _collect(
    rows: Iterable[tuple[int, list[str] | None]], entries_format: str, result: Read, unit: str = "line"
) -> None:
    first_line: dict[str, int] = {}
    for line, fields in rows:
        if fields is None:
            continue
        problem = _row_problem(fields, entries_format)
        if problem is None:
            source, target = fields[0], fields[1]
            if source in first_line:
                problem = f"the source {_shown(source)} is a duplicate of {unit} {first_line[source]}'s"
            else:
                first_line[source] = line
                result.entries.append((line, Entry(source, target)))
                continue
        result.problems.append(Problem(line, problem, unit))


def entries_of(found: Read) -> list[Entry]:
    """The entries read; GlossaryError naming the first problem's line and rule if there is any."""
    if found.problems:
        raise GlossaryError(found.problems)
    return [entry for _, entry in found.entries]


def parse(text: str, entries_format: str = "tsv") -> list[Entry]:
    """The entries of `text`; GlossaryError naming the first problem's line and rule if there is any."""
    return entries_of(read(text, entries_format))


def read_file(path: Path) -> Read:
    """A glossary file: CSV where its name ends in .csv, else TSV; InputError when it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        text = utf8.decode(data)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    return read(text, "csv" if path.suffix.lower() == ".csv" else "tsv")


def load_file(path: Path) -> list[Entry]:
    """The entries of a glossary file; GlossaryError (its message naming the file) at the first problem."""
    found = read_file(path)
    if found.problems:
        error = GlossaryError(found.problems)
        raise InputError(f"{path}: {error}") from error
    return [entry for _, entry in found.entries]


def to_tsv(entries: Iterable[Entry]) -> str:
    """The entries as DeepL gives them back: `source<TAB>target` lines (the rules keep tabs out of terms)."""
    return "".join(f"{entry.source}\t{entry.target}\n" for entry in entries)


def _row_problem(fields: Sequence[str], entries_format: str) -> str | None:
    if len(fields) < 2:
        return "no tab between the source and the target" if entries_format == "tsv" else "one field, not two"
    for term, what in ((fields[0], "source"), (fields[1], "target")):
        if (problem := term_problem(term, what)) is not None:
            return problem
    return None


def _tsv(text: str) -> Iterator[tuple[int, list[str] | None]]:
    """(line, fields) for each line; blank lines (None) are skipped, as DeepL skips them. A third field is a
    tab inside the target: a control character (the rule names it)."""
    for number, line in enumerate(_lines(text), start=1):
        if not line.strip(" "):
            yield number, None
            continue
        source, tab, target = line.partition("\t")
        yield number, [source, target] if tab else [source]


def _lines(text: str) -> list[str]:
    """Lines split at \\n, \\r\\n and \\r only (str.splitlines would also split at U+2028, which the rules refuse
    inside a term, and so must see)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _csv(text: str, result: Read) -> Iterator[tuple[int, list[str] | None]]:
    """(line the row starts on, its source and target) for each row of the pair ID→EN; rows of another pair
    are counted in `result.skipped`. Python's csv module reads the quoting (RFC 4180, "" inside quotes)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            result.problems.append(Problem(start, f"not CSV: {exc}"))
            return
        line, start = start, reader.line_num + 1
        if not row or (len(row) == 1 and not row[0].strip(" ")):
            yield line, None
        elif len(row) in (1, 2):
            yield line, row
        elif len(row) == 4:
            if (row[2].strip().lower(), row[3].strip().lower()) == (SOURCE_LANG, TARGET_LANG):
                yield line, row[:2]
            else:
                result.skipped += 1
                yield line, None
        else:
            result.problems.append(
                Problem(line, f"{len(row)} fields: a row has source,target or source,target,source_lang,target_lang")
            )
            yield line, None
