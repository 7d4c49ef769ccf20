"""Glossaries (placeholder until gloss-core's package lands: the lead takes theirs at the merge)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    source: str
    target: str
