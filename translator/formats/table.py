"""CSV and TSV: one document a row, with configurable id, text and title columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from functools import partial
from typing import IO

from translator.formats import Fields, Unit, failed_unit
from translator.formats.jsonl import from_record


def read(origin: str, stream: IO[bytes], fields: Fields) -> Iterator[Unit]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    rows = csv.DictReader(text, delimiter="\t" if origin.lower().endswith(".tsv") else ",")
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
    except csv.Error as exc:
        yield failed_unit(origin, f"not CSV: {exc}")
    finally:
        text.detach()
