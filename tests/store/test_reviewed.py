"""The reviewed translations on both databases: keyed by the normalised source, the last write wins and the
history keeps every write, other openings (replicas, the command line) see them, and a snapshot is a content
fingerprint."""

from __future__ import annotations

import threading

from tests.store.conftest import Store
from translator.reviewed import RECHECK_S, Snapshot


def test_the_last_write_wins_and_the_history_keeps_every_one(store: Store) -> None:
    reviewed = store.reviewed()
    first = reviewed.put("Dia  sedang\tjaga warung.", "She minds the stall.", "key-a", "reader")
    assert first is not None and first.old is None and first.source == "Dia sedang jaga warung."
    second = reviewed.put("Dia sedang jaga warung.", "She is minding the stall.", "key-b", "api")
    assert second is not None and second.old == "She minds the stall."
    assert reviewed.put("Dia sedang jaga warung. ", "She is minding the stall.", "key-c", "api") is None  # no change
    assert reviewed.english(["Dia sedang jaga warung.", "Lain."]) == ["She is minding the stall.", None]
    (entry,) = reviewed.entries()
    assert (entry.target, entry.who, entry.origin) == ("She is minding the stall.", "key-b", "api")
    removed = reviewed.delete("Dia sedang jaga warung.", "cli", "api")
    assert removed is not None and removed.old == "She is minding the stall." and removed.new is None
    assert reviewed.delete("Dia sedang jaga warung.", "cli", "api") is None
    assert reviewed.english(["Dia sedang jaga warung."]) == [None]
    history = [(c.old, c.new, c.who, c.origin) for c in reviewed.history("Dia sedang jaga warung.")]
    assert history == [
        (None, "She minds the stall.", "key-a", "reader"),
        ("She minds the stall.", "She is minding the stall.", "key-b", "api"),
        ("She is minding the stall.", None, "cli", "api"),
    ]


def test_another_opening_sees_writes_within_the_recheck_and_a_snapshot_at_once(store: Store) -> None:
    writer, reader = store.reviewed(), store.reviewed()
    assert reader.english(["Satu."]) == [None]
    writer.put("Satu.", "One.", "cli", "api")
    assert reader.snapshot().entries == Snapshot({k: "One." for k in writer.snapshot().entries}).entries
    writer.put("Satu.", "One!", "cli", "api")
    threading.Event().wait(RECHECK_S * 1.5)
    assert reader.english(["Satu."]) == ["One!"]


def test_a_snapshot_fingerprint_follows_the_content_only(store: Store) -> None:
    reviewed = store.reviewed()
    empty = reviewed.snapshot().fingerprint
    reviewed.put("Satu.", "One.", "key-a", "api")
    one = reviewed.snapshot().fingerprint
    reviewed.put("Satu.", "1.", "key-a", "api")
    reviewed.put("Satu.", "One.", "key-b", "reader")  # back to the same English, by someone else
    assert len({empty, one}) == 2 and reviewed.snapshot().fingerprint == one


def test_many_writers_at_once_lose_no_write(store: Store) -> None:
    openings = [store.reviewed() for _ in range(4)]
    start = threading.Barrier(16)

    def write(n: int) -> None:
        start.wait()
        for round_ in range(5):
            openings[n % 4].put(f"Kalimat {n % 3}.", f"Sentence {n}-{round_}.", f"key-{n}", "api")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    history = openings[0].history()
    assert len(history) == 80
    for sentence in {c.source for c in history}:  # each write's `old` is the one before it: a chain, no gap
        chain = [c for c in history if c.source == sentence]
        assert [c.old for c in chain[1:]] == [c.new for c in chain[:-1]]
        assert openings[1].snapshot().english([sentence]) == [chain[-1].new]
