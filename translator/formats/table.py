"""CSV and TSV: one document a row, with configurable id, text and title columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from functools import partial
from typing import IO

from translator.errors import InputError
from translator.formats import Fields, Unit, failed_unit, over_limit
from translator.formats.jsonl import from_record


def read(origin: str, stream: IO[bytes], fields: Fields, limit: int) -> Iterator[Unit]:
    csv.field_size_limit(limit)  # module-wide in csv; every table read sets the limit it runs under
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    rows = csv.DictReader(_lines(text, limit), delimiter="\t" if origin.lower().endswith(".tsv") else ",")
    number = 0
    try:
        header = rows.fieldnames or []
        if fields.text not in header:
            yield failed_unit(origin, f"no {fields.text!r} column (columns: {', '.join(header) or 'none'})")
            return
        for number, row in enumerate(rows, start=1):
            where = f"{origin}#R{number}"
            record = {k: v for k, v in row.items() if k is not None}
            if not record.get(fields.text):
                yield failed_unit(where, f"row has no {fields.text!r} value")
            else:
                yield Unit(where, partial(from_record, record, where, fields))
    except UnicodeDecodeError as exc:
        yield failed_unit(origin, f"not UTF-8 text (byte {exc.start}); rows from there on are not read")
    except (csv.Error, InputError) as exc:
        yield failed_unit(origin, f"not CSV after row {number}: {exc}; rows from there on are not read")
    finally:
        text.detach()


def _lines(text: io.TextIOWrapper, limit: int) -> Iterator[str]:
    """The file's lines, none held longer than `limit` characters."""
    while line := text.readline(limit + 1):
        if len(line) > limit and not line.endswith(("\n", "\r")):
            raise InputError(f"a line {over_limit(limit)}")
        yield line
