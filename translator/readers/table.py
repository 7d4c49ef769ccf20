"""CSV and TSV: one document a row, with configurable id, text and title columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from functools import partial
from typing import IO

from translator.errors import InputError
from translator.readers import Fields, Unit, failed_unit, over_limit
from translator.readers.jsonl import from_record


def read(origin: str, stream: IO[bytes], fields: Fields, limit: int) -> Iterator[Unit]:
    """One unit a row; a row that is not CSV (an unclosed quote, a field or line over the limit) is a failed
    unit of its own and the rows after it are still read. Blank lines are not rows."""
    csv.field_size_limit(limit)  # module-wide in csv; every table read sets the limit it runs under
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    rows = csv.reader(_Lines(text, limit), delimiter="\t" if origin.lower().endswith(".tsv") else ",", strict=True)
    number = 0
    try:
        header = next(rows, [])
        if fields.text not in header:
            yield failed_unit(origin, f"no {fields.text!r} column (columns: {', '.join(header) or 'none'})")
            return
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except (csv.Error, InputError) as exc:  # the reader starts afresh on the next line
                number += 1
                if str(exc).startswith("field larger than field limit"):  # csv's words; where it ends is unknown
                    yield failed_unit(f"{origin}#R{number}", f"{over_limit(limit)}; rows from there on are not read")
                    return
                yield failed_unit(f"{origin}#R{number}", f"row is not CSV: {exc}")
                continue
            if not row:
                continue
            number += 1
            where = f"{origin}#R{number}"
            record: dict[str, object] = dict(zip(header, row, strict=False))
            if not record.get(fields.text):
                yield failed_unit(where, f"row has no {fields.text!r} value")
            else:
                yield Unit(where, partial(from_record, record, where, fields))
    except UnicodeDecodeError as exc:
        yield failed_unit(origin, f"not UTF-8 text (byte {exc.start}); rows from there on are not read")
    finally:
        text.detach()


class _Lines:
    """The file's lines, none held longer than `limit` characters: a longer one is read past and raises
    InputError, after which the next line follows (an iterator object, unlike a generator, goes on)."""

    def __init__(self, text: io.TextIOWrapper, limit: int) -> None:
        self.text, self.limit = text, limit

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.text.readline(self.limit + 1)
        if not line:
            raise StopIteration
        if len(line) > self.limit and not line.endswith(("\n", "\r")):
            while (rest := self.text.readline(self.limit + 1)) and not rest.endswith(("\n", "\r")):
                pass
            raise InputError(f"a line {over_limit(self.limit)}")
        return line
