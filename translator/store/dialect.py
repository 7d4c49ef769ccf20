"""What differs between the two databases the store speaks: the placeholder of a parameter and a few column
types. Statements are written once, with `?` placeholders and SQL both databases know (ON CONFLICT, RETURNING,
CASE, CAST)."""

from __future__ import annotations

import functools
from dataclasses import dataclass


@dataclass(frozen=True)
class Dialect:
    name: str
    placeholder: str  # what `?` becomes
    integer: str  # a 64-bit integer column
    real: str  # a double column
    blob: str  # a bytes column
    insertion_order: str  # the column that orders a table's rows as they were inserted (the memory's export)
    insertion_column: str  # its definition where it is not implicit, with a leading comma
    skip_locked: str  # ends a SELECT that locks the rows it takes and passes over rows another holds
    serial: str  # an integer primary key numbered in insertion order (1, 2, 3...)

    def sql(self, statement: str) -> str:
        """`statement` with this dialect's placeholders (none of ours holds a literal `?` or `%`)."""
        return _placeholders(statement, self.placeholder)

    def ddl(self, statement: str) -> str:
        """A CREATE statement with this dialect's column types for {integer}, {real}, {blob}, {serial} and
        {insertion_column}."""
        return statement.format(
            integer=self.integer,
            real=self.real,
            blob=self.blob,
            serial=self.serial,
            insertion_column=self.insertion_column,
        )


@functools.lru_cache(maxsize=256)
def _placeholders(statement: str, placeholder: str) -> str:
    return statement.replace("?", placeholder)


SQLITE = Dialect(  # a write transaction holds the file
    "sqlite", "?", "INTEGER", "REAL", "BLOB", "rowid", "", "", "INTEGER PRIMARY KEY"
)
POSTGRESQL = Dialect(
    "postgresql",
    "%s",
    "BIGINT",
    "DOUBLE PRECISION",
    "BYTEA",
    "seq",
    ", seq BIGINT GENERATED ALWAYS AS IDENTITY",
    " FOR UPDATE SKIP LOCKED",
    "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
)
