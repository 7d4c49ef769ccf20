"""Bitext outputs: a writer per archive export, and what `translate --format` prints for one document.

Every writer of an archive job follows the Writer protocol (translator/writers/base.py says how a job opens,
writes, syncs, resumes and completes them); WRITERS is the only list of them, and a job's --export choices
are its names. SINGLE is the only list of the formats a single document is printed in: the English alone,
JSON, and every export that is one file (moses writes two, so it is an export only).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from translator.registry import Registry
from translator.types import AlignedDocument

if TYPE_CHECKING:
    from translator.writers.base import Writer

# export name -> its writer class
WRITERS: Registry[type[Writer]] = Registry(
    {
        "jsonl": "translator.writers.jsonl:Writer",
        "tmx": "translator.writers.tmx:Writer",
        "xliff": "translator.writers.xliff:Writer",
        "tsv": "translator.writers.tsv:Writer",
        "moses": "translator.writers.moses:Writer",
        "html": "translator.writers.page:Writer",
    }
)

# `translate --format` name -> the text of one document in that format
SINGLE: Registry[Callable[[AlignedDocument], str]] = Registry(
    {
        "text": "translator.writers.text:single",
        "json": "translator.writers.jsonl:document",
        "jsonl": "translator.writers.jsonl:sentences",
        "tsv": "translator.writers.tsv:single",
        "html": "translator.writers.page:single",
        "tmx": "translator.writers.tmx:single",
        "xliff": "translator.writers.xliff:single",
    }
)


def writer_type(export: str) -> type[Writer]:
    """The writer class of an export named in WRITERS."""
    return WRITERS.load(export)
