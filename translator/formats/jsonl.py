"""JSON Lines: one document a line, with configurable id, text and title fields."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from typing import IO

from translator.errors import InputError
from translator.formats import Document, Fields, Unit


def read(origin: str, stream: IO[bytes], fields: Fields) -> Iterator[Unit]:
    for number, raw in enumerate(stream, start=1):
        if raw.strip():
            where = f"{origin}#L{number}"
            yield Unit(where, partial(parse_record, raw, where, fields))


def parse_record(raw: bytes, where: str, fields: Fields) -> Document:
    try:
        record = json.loads(raw)
    except UnicodeDecodeError as exc:
        raise InputError(f"line is not UTF-8 (byte {exc.start})") from exc
    except ValueError as exc:
        raise InputError(f"line is not JSON: {exc}") from exc
    if not isinstance(record, dict):
        raise InputError("line is JSON but not an object")
    return from_record(record, where, fields)


def from_record(record: dict[str, object], where: str, fields: Fields) -> Document:
    """A document from a JSONL object or a CSV row."""
    text = record.get(fields.text)
    if not isinstance(text, str):
        raise InputError(f"no text field {fields.text!r}" if text is None else f"field {fields.text!r} is not text")
    doc_id = record.get(fields.id)
    title = record.get(fields.title)
    meta = {"origin": where}
    if isinstance(title, str) and title.strip():
        meta["title"] = title.strip()
        text = f"{title.strip()}\n\n{text}"
    return Document(str(doc_id) if doc_id not in (None, "") else where, text, meta)


def line(record: dict[str, object]) -> str:
    """One aligned-document record as a line of documents.jsonl."""
    return json.dumps(record, ensure_ascii=False) + "\n"
