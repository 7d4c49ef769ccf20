"""Glossaries in the store, the same on both databases: an owner's alone, one ID space, at most 1,000 an owner,
dictionaries replaced, merged and deleted, creation times with milliseconds and Z."""

from __future__ import annotations

import re
import time

import pytest

from tests.store.conftest import Store
from translator.errors import InputError
from translator.glossary import Entry
from translator.glossary.store import MAX_PER_OWNER, GlossaryLimit

NEWS = [Entry("DPR", "House of Representatives"), Entry("Polri", "National Police")]


def test_a_glossary_is_its_owners_alone_and_outlives_its_store(store: Store) -> None:
    glossaries = store.glossaries()
    made = glossaries.create("key-a", "news", "v2", NEWS)
    assert (made.name, made.api, made.entry_count, made.has_dictionary) == ("news", "v2", 2, True)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", made.creation_time)
    assert abs(made.created - time.time()) < 60
    assert glossaries.get("key-b", made.id) is None and glossaries.entries("key-b", made.id) is None
    assert glossaries.owned("key-b") == [] and glossaries.delete("key-b", made.id) is False
    reopened = store.glossaries()  # another process, or a restart
    assert reopened.owned("key-a") == [made] and reopened.entries("key-a", made.id) == NEWS
    assert reopened.entries(None, made.id) == NEWS  # the command line reads any owner's by id
    assert reopened.delete("key-a", made.id) and reopened.get("key-a", made.id) is None


def test_dictionaries_replaced_merged_and_deleted_and_seen_by_every_reader(store: Store) -> None:
    writer, reader = store.glossaries(), store.glossaries()
    made = writer.create("anonymous", "weblate:1:ID:EN:abc", "v3", NEWS)
    assert reader.entries("anonymous", made.id) == NEWS
    merged = writer.merge("anonymous", made.id, [Entry("Polri", "Indonesian Police"), Entry("KPK", "KPK")])
    assert merged is not None and merged.entry_count == 3 and merged.revision == made.revision + 1
    assert reader.entries("anonymous", made.id) == [NEWS[0], Entry("Polri", "Indonesian Police"), Entry("KPK", "KPK")]
    replaced = writer.replace("anonymous", made.id, [Entry("pilkada", "regional elections")])
    assert replaced is not None and replaced.entry_count == 1
    assert reader.entries("anonymous", made.id) == [Entry("pilkada", "regional elections")]
    renamed = writer.rename("anonymous", made.id, "weblate:1:ID:EN:def")
    assert renamed is not None and renamed.name == "weblate:1:ID:EN:def" and renamed.created == made.created
    emptied = writer.replace("anonymous", made.id, None)
    assert emptied is not None and not emptied.has_dictionary and emptied.entry_count == 0
    assert reader.entries("anonymous", made.id) == []
    assert writer.replace("key-b", made.id, NEWS) is None and writer.rename("key-b", made.id, "x") is None


def test_at_most_a_thousand_an_owner_and_a_huge_dictionary_is_refused(store: Store) -> None:
    glossaries = store.glossaries()
    glossaries.db.many(
        "INSERT INTO glossaries (id, owner, name, api, created, revision, entries, entry_count) "
        "VALUES (?, 'key-a', 'g', 'v2', ?, 1, NULL, 0)",
        [(f"g{i}", float(i)) for i in range(MAX_PER_OWNER - 1)],
    )
    last = glossaries.create("key-a", "last", "v2", NEWS)
    with pytest.raises(GlossaryLimit, match="1000 glossaries, the most it may have"):
        glossaries.create("key-a", "one too many", "v3", NEWS)
    assert glossaries.create("key-b", "another key's first", "v2", NEWS).name == "another key's first"
    assert len(glossaries.owned("key-a")) == MAX_PER_OWNER and glossaries.owned("key-a")[-1] == last
    huge = [Entry(f"istilah{i}", "x" * 200) for i in range(60_000)]
    with pytest.raises(InputError, match="over the limit of 10485760"):
        glossaries.merge("key-a", last.id, huge)
    assert glossaries.entries("key-a", last.id) == NEWS
