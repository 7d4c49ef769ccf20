"""JSON Lines: one document a line, with configurable id, text and title fields."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from typing import IO

from translator.errors import InputError
from translator.readers import Document, Fields, Unit, checked, failed_unit, over_limit

_SKIP_CHUNK = 1 << 20


def read(origin: str, stream: IO[bytes], fields: Fields, limit: int) -> Iterator[Unit]:
    """A unit per non-blank line; a line over `limit` is skipped a chunk at a time, never held whole."""
    number = 0
    while raw := stream.readline(limit + 1):
        number += 1
        where = f"{origin}#L{number}"
        if len(raw) > limit and not raw.endswith(b"\n"):
            while (rest := stream.readline(_SKIP_CHUNK)) and not rest.endswith(b"\n"):
                pass
            yield failed_unit(where, f"line {over_limit(limit)}")
        elif raw.strip():
            yield Unit(where, partial(parse_record, raw, where, fields))


def parse_record(raw: bytes, where: str, fields: Fields) -> Document:
    try:
        record = json.loads(raw)
    except UnicodeDecodeError as exc:
        raise InputError(f"line is not UTF-8 (byte {exc.start})") from exc
    except ValueError as exc:
        raise InputError(f"line is not JSON: {exc}") from exc
    except RecursionError as exc:
        raise InputError("line is JSON nested too deeply to read") from exc
    if not isinstance(record, dict):
        raise InputError("line is JSON but not an object")
    return from_record(record, where, fields)


def from_record(record: dict[str, object], where: str, fields: Fields) -> Document:
    """A document from a JSONL object or a CSV row."""
    text = record.get(fields.text)
    if not isinstance(text, str):
        raise InputError(f"no text field {fields.text!r}" if text is None else f"field {fields.text!r} is not text")
    text = checked(text, f"field {fields.text!r}")
    doc_id = record.get(fields.id)
    title = record.get(fields.title)
    meta = {"origin": where}
    if isinstance(title, str) and title.strip():
        meta["title"] = checked(title.strip(), f"field {fields.title!r}")
        text = f"{meta['title']}\n\n{text}"
    return Document(_identifier(doc_id, fields.id) or where, text, meta)


def _identifier(value: object, name: str) -> str | None:
    """A record's id: a string, or a whole number written as JSON writes it; None when there is none."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise InputError(f"field {name!r} is neither text nor a whole number")
    return checked(value, f"field {name!r}")
