"""A Word paragraph as one block of text with inline tags (translator/inline.py), and its English written back.

Its sentences are translated whole, whatever runs, hyperlinks, content controls, fields or insertions cut
them: each run is a tag around its text, each of those containers a tag around its runs, and everything else
in the paragraph (tabs, breaks, images, note and comment marks, bookmarks, tracked deletions, math, a field
kept whole) an atom at its point. The English of each sentence gets the tags back by inline's alignment, and
the paragraph is written again in the English's order: each run with its own formatting around the words
aligned with its text, a hyperlink (its target kept) or a content control around the words aligned with its
runs, each atom at its aligned point, moved, never copied. English no run's tag covers (the words between two
runs, say) goes into a run formatted as the run before it in the same container.

- Runs that Word split with the same formatting (spell-check marks, revision ids) are one run first; the
  spell-check marks (w:proofErr) are dropped, stale once the words are English.
- A field whose code, result and end are runs of one container (what Word writes) is a tag around its result,
  its code runs and end run kept before and after it; the result of a field that computes a number (PAGE,
  NUMPAGES, SEQ, PAGEREF, = …) is kept, the whole field an atom (Word renews it), and so is a field whose code
  holds another field. A field that runs over paragraphs (a table of contents) has its fldChar and code runs
  kept as atoms and its result runs translated as any run.
- Tracked changes: an insertion (w:ins, w:moveTo) is a container: its English stays marked as inserted; a
  deletion (w:del, w:moveFrom) is an atom, its Indonesian kept whole at its aligned point (counted as left).
- Comments: their range marks and reference are atoms, so the comment stays on the aligned words' neighbourhood;
  its own text is translated with the comments part.
- A tab or a line break is a space to the model and an atom in the English (at the aligned point).
"""

from __future__ import annotations

import collections
import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree

from translator import inline

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_RUN, _TEXT = f"{_W}r", f"{_W}t"
_FIELD_CHAR, _INSTRUCTION, _SIMPLE = f"{_W}fldChar", f"{_W}instrText", f"{_W}fldSimple"
_PROOF = f"{_W}proofErr"
# containers of runs: a tag around their runs, their own properties (SHELL) kept first
_BOXES = {f"{_W}{name}" for name in ("hyperlink", "sdt", "sdtContent", "ins", "moveTo", "smartTag", "customXml")}
_BOXES |= {f"{_W}dir", f"{_W}bdo", _SIMPLE}
_SHELL = {f"{_W}{name}" for name in ("pPr", "rPr", "sdtPr", "sdtEndPr", "fldData", "smartTagPr", "customXmlPr")}
_SPACES = {f"{_W}{name}" for name in ("tab", "ptab", "br", "cr")}  # a space to the model, an atom after
_HYPHEN, _SOFT_HYPHEN = f"{_W}noBreakHyphen", f"{_W}softHyphen"  # "-" in the text; a hint dropped
# fields whose result is a number Word computes again: kept as they are, never sent to the model
_NUMBER_FIELDS = {
    "PAGE", "NUMPAGES", "SECTIONPAGES", "SECTION", "SEQ", "PAGEREF", "NOTEREF", "=", "LISTNUM", "AUTONUM",
    "AUTONUMLGL", "AUTONUMOUT", "NUMWORDS", "NUMCHARS", "FILESIZE", "REVNUM", "EDITTIME",
}  # fmt: skip
_LETTER = re.compile(r"[^\W\d_]")
_REVISION = re.compile(r"\{[^}]*\}rsid")  # w:rsidR, w:rsidRPr…: which editing session wrote a run


@dataclass
class _Node:
    """What a tag stands for: a run, a container, or an atom (an element kept whole); a container's and a
    field's own elements before and after its runs."""

    kind: str  # "run" | "box" | "field" | "atom"
    element: etree._Element
    before: list[etree._Element] = field(default_factory=list)
    after: list[etree._Element] = field(default_factory=list)


@dataclass
class _Field:
    """A field read run by run across paragraphs (begin … separate … end): its code, whether its result began."""

    code: list[str] = field(default_factory=list)
    result: bool = False

    @property
    def translated(self) -> bool:
        return self.result and not _is_number("".join(self.code))


@dataclass
class Block:
    """A paragraph read: its tagged text cut into sentences, and what each tag stands for."""

    paragraph: etree._Element
    held: inline.Held
    nodes: list[_Node]

    @property
    def sentences(self) -> list[str]:
        return self.held.sentences

    def write(self, english: Sequence[str]) -> None:
        """The paragraph rewritten with the English of its sentences."""
        _Writer(self, self.held.place(english)).paragraph()


class Story:
    """The paragraphs of one part (the body, a header, the footnotes…), read in order: a field may run over
    paragraphs, so the fields open are carried from one to the next."""

    def __init__(self, left: collections.Counter[str]) -> None:
        self.left = left  # what is left untranslated, by kind
        self.fields: list[_Field] = []  # the innermost last

    def read(self, paragraph: etree._Element) -> Block:
        _merge_runs(paragraph)
        builder, nodes = inline.Builder(), list[_Node]()
        _Reader(builder, nodes, self).walk(list(paragraph))
        return Block(paragraph, inline.hold(builder.build()), nodes)


def _is_number(code: str) -> bool:
    words = code.split()
    return bool(words) and words[0].upper() in _NUMBER_FIELDS


def _letters(element: etree._Element) -> bool:
    return any(_LETTER.search(t.text or "") for t in element.iter(_TEXT, f"{_W}delText"))


class _Reader:
    def __init__(self, builder: inline.Builder, nodes: list[_Node], story: Story) -> None:
        self.b, self.nodes, self.story = builder, nodes, story

    def open(self, node: _Node) -> int:
        self.nodes.append(node)
        return self.b.open("")

    def atom(self, element: etree._Element) -> None:
        self.nodes.append(_Node("atom", element))
        self.b.atom("")

    def walk(self, children: list[etree._Element]) -> None:
        i = 0
        while i < len(children):
            child = children[i]
            if child.tag in _SHELL or child.tag == _PROOF:
                pass
            elif child.tag == _RUN and self.translating and (end := _field_end(children, i)) is not None:
                self.field(children[i : end + 1])
                i = end
            elif child.tag == _RUN:
                self.run(child)
            elif child.tag == _SIMPLE and _is_number(child.get(f"{_W}instr", "")):
                self.story.left["field_results"] += _letters(child)
                self.atom(child)
            elif child.tag in _BOXES:
                index = self.open(_Node("box", child, [c for c in child if c.tag in _SHELL]))
                self.walk(list(child))
                self.b.close(index)
            else:  # bookmarks, comment marks, tracked deletions, math…: kept whole at their point
                if child.tag in (f"{_W}del", f"{_W}moveFrom"):
                    self.story.left["tracked_deletions"] += _letters(child)
                self.atom(child)
            i += 1

    @property
    def translating(self) -> bool:
        """Whether text here is translated: outside fields read run by run, or in a translated result."""
        return all(f.translated for f in self.story.fields)

    def field(self, runs: list[etree._Element]) -> None:
        """A field whose runs are siblings: a tag around its result, or its runs atoms when it is kept."""
        separate = next((k for k, run in enumerate(runs) if _char(run) == "separate"), None)
        code_runs = runs[1 : separate if separate is not None else len(runs)]
        code = "".join(t.text or "" for run in code_runs for t in run.iter(_INSTRUCTION))
        if separate is None or any(_char(run) == "begin" for run in code_runs) or _is_number(code):
            self.story.left["field_results"] += any(_letters(run) for run in runs)
            for run in runs:
                self.atom(run)
            return
        index = self.open(_Node("field", runs[0], runs[: separate + 1], runs[-1:]))
        self.walk(runs[separate + 1 : -1])
        self.b.close(index)

    def run(self, run: etree._Element) -> None:
        fields = self.story.fields
        if any(child.tag in (_FIELD_CHAR, _INSTRUCTION) for child in run):  # a field over paragraphs: by run
            for child in run:
                if child.tag == _FIELD_CHAR:
                    kind = child.get(f"{_W}fldCharType")
                    if kind == "begin":
                        fields.append(_Field())
                    elif kind == "separate" and fields:
                        fields[-1].result = True
                    elif kind == "end" and fields:
                        fields.pop()
                elif child.tag == _INSTRUCTION and fields and not fields[-1].result:
                    fields[-1].code.append(child.text or "")
            self.atom(run)
            return
        if not self.translating:  # a field's code, or a result kept
            self.story.left["field_results"] += all(f.result for f in fields) and _letters(run)
            self.atom(run)
            return
        index = self.open(_Node("run", run))
        for child in run:
            if child.tag == _TEXT:
                self.b.text(child.text or "")
            elif child.tag == _HYPHEN:
                self.b.text("-")
            elif child.tag in _SPACES:
                self.b.text(" ")
                self.atom(child)
            elif child.tag not in _SHELL and child.tag != _SOFT_HYPHEN:
                self.atom(child)
        self.b.close(index)


def _char(run: etree._Element) -> str | None:
    char = run.find(_FIELD_CHAR)
    return None if char is None else char.get(f"{_W}fldCharType")


def _field_end(children: list[etree._Element], start: int) -> int | None:
    """Where the field that begins with the run children[start] ends among its siblings, when its fldChars and
    code are runs of their own (nothing else in them but formatting) and it ends there; else None."""
    if _char(children[start]) != "begin" or not _bare(children[start]):
        return None
    depth = 0
    for k in range(start, len(children)):
        child = children[k]
        if child.tag != _RUN:
            continue
        kind = _char(child)
        if (kind or child.find(_INSTRUCTION) is not None) and not _bare(child):
            return None
        depth += (kind == "begin") - (kind == "end")
        if depth == 0:
            return k
    return None


def _bare(run: etree._Element) -> bool:
    """A run of a field's fldChar or code alone, beside its formatting."""
    return all(child.tag in (_FIELD_CHAR, _INSTRUCTION, f"{_W}rPr") for child in run)


def _merge_runs(container: etree._Element) -> None:
    """Runs that Word split with the same formatting, one run; spell-check marks dropped. In every container
    of the paragraph (not inside runs: a text box's paragraphs are read as paragraphs of their own)."""
    for proof in [el for el in container.iter(_PROOF)]:
        if _paragraph_of(proof) is container:
            proof.getparent().remove(proof)
    for parent in [container, *(el for el in container.iter(*_BOXES) if _paragraph_of(el) is container)]:
        previous: tuple[etree._Element, tuple[object, ...]] | None = None  # a run, and its formatting
        for child in list(parent):
            if child.tag != _RUN or not _mergeable(child):
                previous = None
                continue
            formatting = _formatting(child)
            if previous is not None and previous[1] == formatting:
                previous[0].extend(c for c in child if c.tag != f"{_W}rPr")
                parent.remove(child)
            else:
                previous = child, formatting


def _paragraph_of(element: etree._Element) -> etree._Element | None:
    parent = element.getparent()
    while parent is not None and parent.tag != f"{_W}p":
        parent = parent.getparent()
    return parent


def _mergeable(run: etree._Element) -> bool:
    return not any(child.tag in (_FIELD_CHAR, _INSTRUCTION) for child in run)


def _formatting(run: etree._Element) -> tuple[object, ...]:
    """The run's formatting, without which editing session wrote it (serialising it is slow: the whole
    document's namespaces come with it)."""
    properties = run.find(f"{_W}rPr")
    if properties is None:
        return ()
    return tuple(
        (el.tag, (el.text or "").strip(), sorted((k, v) for k, v in el.attrib.items() if not _REVISION.match(k)))
        for el in properties.iter()
    )


class _Writer:
    """A paragraph written again from a Placed block: its tags in the English's order."""

    def __init__(self, block: Block, placed: inline.Placed) -> None:
        self.block, self.placed = block, placed
        self.kids: dict[int, list[int]] = {i: [] for i in range(-1, len(placed.tags))}
        for i, tag in enumerate(placed.tags):
            self.kids[-1 if tag.parent is None else tag.parent].append(i)
        for siblings in self.kids.values():
            siblings.sort(key=lambda i: (placed.tags[i].start, placed.tags[i].end, i))
        self.last_run: etree._Element | None = None  # the run written last: orphan words take its formatting
        self.pending = ""  # a space for the next run

    def paragraph(self) -> None:
        paragraph = self.block.paragraph
        for child in list(paragraph):
            if child.tag not in _SHELL:
                paragraph.remove(child)
        self.fill(paragraph, -1, 0, len(self.placed.text))

    def fill(self, parent: etree._Element, tag: int, lo: int, hi: int) -> None:
        """The children of `tag` (-1: the paragraph) and the English between them into `parent`."""
        at, before = lo, None
        for child in self.kids[tag]:
            placed = self.placed.tags[child]
            words = self.placed.text[at : placed.start]
            if words and not words.strip() and self._leads(child) and not self._trails(before):
                self.pending = words  # a space between two runs goes where the source had it: with the next
            elif words:
                self.orphan(parent, tag, words)
            self.write(parent, child)
            at, before = max(at, placed.end), child
        if hi > at:
            self.orphan(parent, tag, self.placed.text[at:hi])

    def _source(self, index: int | None) -> str:
        """The source text a run's tag enclosed ("" for anything else)."""
        if index is None or self.block.nodes[index].kind != "run":
            return ""
        tag = self.block.held.tagged.tags[index]
        return self.block.held.tagged.text[tag.start : tag.end]

    def _leads(self, index: int) -> bool:
        return self._source(index)[:1].isspace()

    def _trails(self, index: int | None) -> bool:
        return self._source(index)[-1:].isspace()

    def write(self, parent: etree._Element, index: int) -> None:
        node, placed = self.block.nodes[index], self.placed.tags[index]
        if node.kind == "atom" and _visible(node.element):  # words kept (a field's): spaced as in the source
            source, english, tag = (
                self.block.held.tagged,
                self.placed.text,
                -1 if placed.parent is None else placed.parent,
            )
            at, to = source.tags[index].start, placed.start
            if at > 0 and source.text[at - 1].isspace() and to > 0 and not english[to - 1].isspace():
                self.orphan(parent, tag, " ")
            parent.append(node.element)
            if at < len(source.text) and source.text[at].isspace() and to < len(english) and not english[to].isspace():
                self.orphan(parent, tag, " ")
        elif node.kind == "atom":
            parent.append(node.element)
        elif node.kind == "run":
            run = node.element
            for child in list(run):
                if child.tag != f"{_W}rPr":
                    run.remove(child)
            parent.append(run)
            self.last_run = run
            _text(run, self.pending)
            self.pending = ""
            at = placed.start
            for child in self.kids[index]:  # its atoms, between its words
                atom, element = self.placed.tags[child], self.block.nodes[child].element
                words = self.placed.text[at : atom.start]
                _text(run, words[:-1] if element.tag in _SPACES and words.endswith(" ") else words)  # its space
                run.append(element)
                at = max(at, atom.end)
            _text(run, self.placed.text[at : placed.end])
        elif node.kind == "field":
            parent.extend(node.before)
            self.fill(parent, index, placed.start, placed.end)
            parent.extend(node.after)
        else:
            box = node.element
            for child in list(box):
                if child not in node.before:
                    box.remove(child)
            parent.append(box)
            self.fill(box, index, placed.start, placed.end)

    def orphan(self, parent: etree._Element, tag: int, text: str) -> None:
        """English that no run's tag covers, in a run formatted as the last run written (or the first of the
        container, or of the paragraph)."""
        model = self.last_run if self.last_run is not None and self.last_run.getparent() is parent else None
        if model is not None and parent[-1] is model:  # right after it: its words go on
            _text(model, text)
            return
        for fallback in (tag, -1):
            model = model if model is not None else self._first_run(fallback)
        run = etree.SubElement(parent, _RUN)
        if model is not None and (properties := model.find(f"{_W}rPr")) is not None:
            run.append(copy.deepcopy(properties))
        _text(run, text)

    def _first_run(self, tag: int) -> etree._Element | None:
        for child in self.kids[tag]:
            node = self.block.nodes[child]
            if node.kind == "run":
                return node.element
            if node.kind in ("box", "field") and (run := self._first_run(child)) is not None:
                return run
        return None


def _visible(element: etree._Element) -> bool:
    """Whether an element kept whole shows words (a kept field's result), so that it needs spaces around it."""
    return any((t.text or "").strip() for t in element.iter(_TEXT))


def _text(run: etree._Element, text: str) -> None:
    if text and len(run) and run[-1].tag == _TEXT:
        run[-1].text = (run[-1].text or "") + text
    elif text:
        t = etree.SubElement(run, _TEXT)
        t.text = text
        t.set(_XML_SPACE, "preserve")
