"""Reviewed translations in and out as the files translation tools exchange: TMX 1.4 (OmegaT, Trados,
translate-toolkit), XLIFF 2.0 (targets whose segment is `reviewed` or `final`, such as a job's corpus.xlf after
review in a CAT tool) and TSV (source and target columns) in; TMX 1.4 out.

A file is read whole and checked before anything is stored, and stored in one transaction: all or nothing.
Entries that cannot be used are skipped with a reason (counted, not an error); a file that cannot be read is
an ImportRefused naming the problem in one line. XML is parsed by lxml without entities resolved, without the
network, without huge-tree support, and a document type with an internal subset (entity declarations: billion
laughs, external entities) is refused outright; a plain `<!DOCTYPE tmx SYSTEM "tmx14.dtd">` line, as TMX tools
write, is allowed and never fetched. The size is checked at the edge, before parsing (MAX_BYTES here, the
service's body limit there)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from lxml import etree

from translator import utf8, xmlchars
from translator.errors import InputError
from translator.memory import normalise
from translator.reviewed import Change, Entry, ReviewedStore

MAX_BYTES = 50 * 1024 * 1024  # a file to import, at most (the command line's limit; the service has its own)
_XLIFF2 = "urn:oasis:names:tc:xliff:document:2.0"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_REVIEWED_STATES = ("reviewed", "final")
_INTERNAL_SUBSET = re.compile(rb"<!DOCTYPE[^>\[]*\[")  # a DOCTYPE with declarations between brackets
_ESCAPES = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}


class ImportRefused(InputError):
    """A file that cannot be imported at all (nothing of it is)."""


@dataclass
class Imported:
    added: int = 0
    updated: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (where in the file, why)

    def to_dict(self) -> dict[str, object]:
        reasons: dict[str, int] = {}
        for _, why in self.skipped:
            reasons[why] = reasons.get(why, 0) + 1
        return {
            "added": self.added,
            "updated": self.updated,
            "skipped": len(self.skipped),
            "reasons": reasons,
            "first_skipped": [{"where": w, "reason": r} for w, r in self.skipped[:20]],
        }


def too_large(name: str, size: int, limit: int = MAX_BYTES) -> ImportRefused | None:
    if size <= limit:
        return None
    return ImportRefused(f"{name}: {size:,} bytes is over the limit of {limit:,} bytes for an import")


def read(name: str, data: bytes, limit: int = MAX_BYTES) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(source, English) pairs of the file, and what was skipped (where, why); ImportRefused for a file that
    cannot be read. The format is read from the content: XML (TMX or XLIFF 2) or else TSV."""
    if (refused := too_large(name, len(data), limit)) is not None:
        raise refused
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        root = _xml(name, data)
        tag = etree.QName(root).localname
        if tag == "tmx":
            found = _tmx(name, root)
        elif tag == "xliff":
            found = _xliff(name, root)
        else:
            raise ImportRefused(f"{name}: an XML file of <{tag}>, neither TMX nor XLIFF")
    else:
        found = _tsv(name, data)
    pairs: dict[str, tuple[str, str, str]] = {}  # normalised source → (where, source, English): the last one wins
    skipped: list[tuple[str, str]] = []
    for where, source, target in found:
        if isinstance(target, _Skip):
            skipped.append((where, target.why))
        elif not normalise(source):
            skipped.append((where, "empty source"))
        elif not normalise(target):
            skipped.append((where, "empty target"))
        elif xmlchars.unfit(source + target) is not None:
            skipped.append((where, "a control character the store and TMX cannot hold"))
        else:
            if (earlier := pairs.get(normalise(source))) is not None:
                skipped.append((earlier[0], "the same source again later in the file"))
            pairs[normalise(source)] = (where, source, target)
    return [(source, target) for _, source, target in pairs.values()], skipped


def import_file(store: ReviewedStore, name: str, data: bytes, who: str, limit: int = MAX_BYTES) -> Imported:
    """The file's reviewed translations into `store`, all in one transaction (origin `import NAME`)."""
    pairs, skipped = read(name, data, limit)
    changes: list[Change] = store.write(pairs, who, f"import {name}")
    done = Imported(skipped=skipped)
    for change in changes:
        if change.old is None:
            done.added += 1
        else:
            done.updated += 1
    written = {c.source for c in changes}
    done.skipped.extend(
        (source, "the store has this English already") for source, _ in pairs if normalise(source) not in written
    )
    return done


def export_tmx(entries: Iterable[Entry], out: IO[bytes]) -> int:
    """The reviewed entries as TMX 1.4 (who, when and where from as props); how many."""
    from translator.writers import tmx

    units = (
        (e.source, e.target, f"r{i}", {"x-reviewed-by": e.who, "x-reviewed-at": f"{e.at:.3f}", "x-origin": e.origin})
        for i, e in enumerate(entries)
    )
    return tmx.write_units(units, out, {"x-content": "reviewed translations"})


class _Skip(str):
    """A target that is not one: why the unit is skipped."""

    @property
    def why(self) -> str:
        return str(self)


def _xml(name: str, data: bytes) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, dtd_validation=False
    )
    try:
        tree = etree.fromstring(data, parser).getroottree()
    except etree.XMLSyntaxError as exc:
        raise ImportRefused(f"{name}: not well-formed XML ({_first_line(str(exc))})") from None
    dtd = tree.docinfo.internalDTD  # (lxml gives a DOCTYPE line's name and ids here too: its declarations count)
    if _INTERNAL_SUBSET.search(data[:4096]) or (
        dtd is not None and (list(dtd.iterentities()) or list(dtd.iterelements()))
    ):
        raise ImportRefused(f"{name}: a document type with declarations of its own (entities) is not accepted")
    return tree.getroot()


def _tmx(name: str, root: etree._Element) -> Iterator[tuple[str, str, str]]:
    if root.get("version") != "1.4":
        raise ImportRefused(f"{name}: TMX version {root.get('version')!r}; only TMX 1.4 is read")
    units = root.findall("body/tu")
    if not units and root.find("body") is None:
        raise ImportRefused(f"{name}: a TMX without a <body>")
    for n, tu in enumerate(units, 1):
        where = f"tu {tu.get('tuid') or n}"
        segments: dict[str, str] = {}
        for tuv in tu.findall("tuv"):
            lang = (tuv.get(_XML_LANG) or tuv.get("lang") or "").lower()
            seg = tuv.find("seg")
            if seg is not None:
                segments.setdefault(lang.split("-")[0], _text(seg))
        source = segments.get("id", segments.get("in"))  # (in: Indonesian's old ISO 639 code)
        if source is None:
            yield where, "", _Skip("no Indonesian segment")
        elif "en" not in segments:
            yield where, source, _Skip("no English segment")
        else:
            yield where, source, segments["en"]


def _xliff(name: str, root: etree._Element) -> Iterator[tuple[str, str, str]]:
    version = root.get("version")
    if etree.QName(root).namespace != _XLIFF2 or not (version or "").startswith("2."):
        raise ImportRefused(f"{name}: XLIFF version {version!r}; only XLIFF 2 is read")
    if not (root.get("srcLang") or "").lower().startswith(("id", "in")):
        raise ImportRefused(f"{name}: its srcLang is {root.get('srcLang')!r}, not Indonesian (id)")
    if not (root.get("trgLang") or "en").lower().startswith("en"):
        raise ImportRefused(f"{name}: its trgLang is {root.get('trgLang')!r}, not English (en)")
    ns = {"x": _XLIFF2}
    for unit in root.iterfind(".//x:unit", ns):
        for k, segment in enumerate(unit.iterfind("x:segment", ns), 1):
            where = f"unit {unit.get('id')}" + (f" segment {k}" if k > 1 else "")
            source, target = segment.find("x:source", ns), segment.find("x:target", ns)
            state = segment.get("state", "initial")
            if source is None:
                continue
            if target is None:
                yield where, _text(source), _Skip("no target")
            elif state not in _REVIEWED_STATES:
                yield where, _text(source), _Skip(f"state {state}, not reviewed or final")
            else:
                yield where, _text(source), _text(target)


def _tsv(name: str, data: bytes) -> Iterator[tuple[str, str, str]]:
    try:
        text = utf8.decode(data)
    except InputError as exc:
        raise ImportRefused(f"{name}: neither XML nor UTF-8 TSV ({exc})") from None
    lines = text.lstrip("\ufeff").splitlines()
    columns, start = (0, 1), 1
    first = lines[0].split("\t") if lines else []
    if "source" in first and "target" in first:  # a header: ours (pairs.tsv) or anyone's
        columns, start = (first.index("source"), first.index("target")), 2
        lines = lines[1:]
    elif lines and len(first) != 2:
        raise ImportRefused(f"{name}: line 1 has {len(first)} tab-separated fields: expected source and target")
    for n, line in enumerate(lines, start):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) <= max(columns):
            raise ImportRefused(f"{name}: line {n} has {len(fields)} tab-separated fields, fewer than its header's")
        yield f"line {n}", _unescape(fields[columns[0]]), _unescape(fields[columns[1]])


def _text(element: etree._Element) -> str:
    """A segment's text: its own text and that after each inline element, not the inline codes themselves (TMX
    bpt/ept/ph/it, XLIFF ph/sc/ec hold markup, not words); the words inside XLIFF's pc and TMX's hi kept."""
    parts = [element.text or ""]
    for child in element:
        if etree.QName(child).localname in ("pc", "hi", "mrk", "g"):
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _unescape(value: str) -> str:
    """pairs.tsv's backslash escapes (translator/writers/tsv.py) read back."""
    return re.sub(r"\\[\\tnr]", lambda m: _ESCAPES[m.group()], value)


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or ["unreadable"])[0]
