"""The glossaries a request translates with, found once at the edge: stored ones by id (the caller's own:
another key's is not found), inline terms (ours), or both; entries that break a rule are one 400 naming the
first problem's line and rule (`InvalidEntries`), and nothing is stored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import anyio

from api.errors import ApiError
from api.usage import Account
from translator.glossary import Entry, Glossary
from translator.glossary.parse import GlossaryError, Read, read_pairs
from translator.glossary.store import GlossaryStore

MAX_IDS = 5  # DeepL's glossary_ids


class InvalidEntries(ApiError):
    """400: the entries break a rule; `detail` (DeepL's field) is the first problem, `problems` the first 100."""

    def __init__(self, error: GlossaryError) -> None:
        first = error.problems[0]
        problems = [str(problem) for problem in error.problems[:100]]
        more = f" (and {len(error.problems) - 1} more)" if len(error.problems) > 1 else ""
        message = f"Invalid glossary entries provided: {first}{more}"  # DeepL's words, then which and why
        super().__init__(400, "invalid_glossary", message, detail=str(first), problems=problems)


class GlossaryNotFound(ApiError):
    def __init__(self, glossary_id: str) -> None:
        super().__init__(404, "glossary_not_found", f"Glossary not found: {glossary_id!r}")


def checked(found: Read) -> list[Entry]:
    """The entries read, or InvalidEntries."""
    if found.problems:
        raise InvalidEntries(GlossaryError(found.problems))
    return [entry for _, entry in found.entries]


async def lookup(
    store: GlossaryStore, account: Account, ids: Sequence[str], terms: Mapping[str, str] | None = None
) -> Glossary | None:
    """What a request translates with: its inline `terms`, then the entries of the stored glossaries `ids`, in
    that order (a source given twice: the first wins); None when it names none. GlossaryNotFound for an id that
    is not the account's, InvalidEntries for terms that break a rule. Read, checked and indexed in a thread: a
    glossary of 100,000 entries takes seconds the first time, which the event loop must not wait for."""
    if not ids and not terms:
        return None
    return await anyio.to_thread.run_sync(_indexed, store, account, ids, terms)


def _indexed(
    store: GlossaryStore, account: Account, ids: Sequence[str], terms: Mapping[str, str] | None
) -> Glossary | None:
    glossary = _find(store, account, ids, terms)
    if glossary is not None:
        glossary.index  # noqa: B018 - built here, once (it is cached on the glossary), not in the batcher
    return glossary


def _find(
    store: GlossaryStore, account: Account, ids: Sequence[str], terms: Mapping[str, str] | None
) -> Glossary | None:
    entries: dict[str, Entry] = {}
    if terms:
        entries.update((entry.source, entry) for entry in checked(read_pairs(terms.items())))
    for glossary_id in ids:
        found = store.glossary(account.id, glossary_id)
        if found is None:
            raise GlossaryNotFound(glossary_id)
        if not terms and len(ids) == 1:
            return found  # as stored: parsed and indexed once, not per request
        for entry in found.entries:
            entries.setdefault(entry.source, entry)
    return Glossary(tuple(entries.values())) if terms or ids else None
