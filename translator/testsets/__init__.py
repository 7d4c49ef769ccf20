"""Test sets for `translator eval`: pairs files (TSV or JSONL), and the named sets: NusaX-MT's test split,
bundled (data/, CC BY-SA 4.0, its notice in data/NOTICE.md), and the Indonesian lines of Tatoeba's eng-msa
test file, which a user downloads (CC BY 2.0 FR; see TATOEBA_URL).

Tatoeba labels every line of that file `msa_Latn`, Indonesian and Malaysian Malay alike. `malaysian` tells
them apart by spelling: a line is Malaysian Malay when one of its words is in MALAYSIAN, words whose
Malaysian spelling or choice differs from the Indonesian one (kerana/karena, wang/uang, awak, lelaki/laki-laki,
bas/bus…); every other line is kept as Indonesian. Words the two share in other senses (kereta, percuma,
sejuk, boleh) are left out, so that no Indonesian line is dropped for them; a Malaysian line with none of the
listed words stays in (a short one often reads as Indonesian anyway).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from translator import utf8
from translator.errors import InputError

TATOEBA_URL = "https://raw.githubusercontent.com/Helsinki-NLP/Tatoeba-Challenge/master/data/test/eng-msa/test.txt"
SETS = ("nusax", "tatoeba-id")
_HEADERS = {("indonesian", "english"), ("source", "target"), ("source", "reference"), ("id", "en")}
MALAYSIAN = frozenset(
    """awak kerana bahawa sahaja wang mahu nak lelaki isteri fikir faham fikiran polis doktor teksi bas basikal
    epal universiti tandas pejabat kedai cawan kenderaan jalanraya setiausaha hospital kempen filem muzik
    muzium""".split()
)
_WORDS = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Pair:
    source: str  # Indonesian
    reference: str  # its English


@dataclass(frozen=True)
class TestSet:
    __test__ = False  # not a test class, for pytest

    name: str
    pairs: tuple[Pair, ...]
    origin: str  # where it was read from, for the report
    note: str = ""  # what a reader of the report should know (licence, what was left out)


def malaysian(text: str) -> bool:
    """Whether a Malay line of Tatoeba is Malaysian Malay rather than Indonesian (the module's rule)."""
    return any(word in MALAYSIAN for word in _WORDS.findall(text.lower()))


def read(path: Path) -> TestSet:
    """A pairs file: JSONL (`.jsonl`: {"source", "target"} a line, "reference" for "target" also taken) or TSV
    (`indonesian<TAB>english` a line, a header line such as `indonesian<TAB>english` skipped). An InputError
    names the file and line of the first problem; a file without pairs is one too."""
    text = _text(path)
    jsonl = path.suffix.lower() in (".jsonl", ".ndjson")
    pairs = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            pair = _json_pair(line) if jsonl else _tsv_pair(line, first=number == 1)
        except ValueError as exc:
            raise InputError(f"{path} line {number}: {exc}") from None
        if pair is not None:
            pairs.append(pair)
    if not pairs:
        raise InputError(f"{path}: no pairs (expected {'JSONL' if jsonl else 'TSV'} of Indonesian and English)")
    return TestSet(path.name, tuple(pairs), str(path))


def named(name: str, path: Path | None) -> TestSet:
    """A named set: `nusax` from the package; `tatoeba-id` from Tatoeba's eng-msa test file at `path` (an
    InputError in one line, saying where to get it, without one)."""
    if name == "nusax":
        if path is not None:
            raise InputError("--set nusax is bundled: give no PAIRS_FILE with it")
        data = resources.files(__package__) / "data" / "nusax-mt-test.tsv"
        pairs = tuple(p for line in data.read_text(encoding="utf-8").splitlines() if (p := _tsv_pair(line, True)))
        note = "NusaX-MT test split (IndoNLP/nusax, 75b0be5), CC BY-SA 4.0: Winata et al., EACL 2023"
        return TestSet("nusax", pairs, "bundled: translator/testsets/data/nusax-mt-test.tsv", note)
    if name == "tatoeba-id":
        if path is None:
            raise InputError(
                f"the tatoeba-id set is not bundled: download {TATOEBA_URL} (CC BY 2.0 FR), then run "
                "`translator eval --set tatoeba-id test.txt`"
            )
        return tatoeba(path)
    raise InputError(f"no test set {name!r}; choose from {', '.join(SETS)}")


def tatoeba(path: Path) -> TestSet:
    """The Indonesian lines of Tatoeba-Challenge's eng-msa test file (`eng<TAB>msa_Latn<TAB>English<TAB>Malay`
    a line), reversed into Indonesian→English pairs; Malaysian Malay lines (`malaysian`) left out, and counted."""
    kept, left = [], 0
    for number, line in enumerate(_text(path).splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 4 or not fields[1].startswith("msa"):
            raise InputError(
                f"{path} line {number}: expected eng<TAB>msa_Latn<TAB>English<TAB>Malay (Tatoeba's eng-msa)"
            )
        if malaysian(fields[3]):
            left += 1
        else:
            kept.append(Pair(fields[3].strip(), fields[2].strip()))
    if not kept:
        raise InputError(f"{path}: no Indonesian lines")
    note = (
        f"Tatoeba-Challenge eng-msa test (its data/test, release v2023-09-26 when this was written), CC BY 2.0 FR: "
        f"{len(kept)} Indonesian lines kept, {left} Malaysian Malay left out (translator/testsets); the model "
        "card's figures come from the 2019 Tatoeba test set"
    )
    return TestSet("tatoeba-id", tuple(kept), str(path), note)


def _text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return utf8.decode(data)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def _tsv_pair(line: str, first: bool) -> Pair | None:
    fields = line.split("\t")
    if len(fields) != 2:
        raise ValueError(f"expected 2 tab-separated fields (Indonesian, English), found {len(fields)}")
    source, reference = (f.strip() for f in fields)
    if first and (source.lower(), reference.lower()) in _HEADERS:
        return None
    if not source or not reference:
        raise ValueError("an empty Indonesian or English field")
    return Pair(source, reference)


def _json_pair(line: str) -> Pair:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    if not isinstance(record, dict):
        raise ValueError("expected an object with source and target")
    source, reference = record.get("source"), record.get("target", record.get("reference"))
    if not isinstance(source, str) or not isinstance(reference, str) or not source.strip() or not reference.strip():
        raise ValueError("expected non-empty strings source and target")
    return Pair(source.strip(), reference.strip())
