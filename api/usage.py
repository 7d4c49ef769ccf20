"""Who is calling and how much they use: the characters translated for each key in each calendar month (UTC),
counted in the store (usage.sqlite3 under TRANSLATOR_DATA_DIR, or the PostgreSQL of TRANSLATOR_DATABASE_URL,
which every replica shares) so that a restart or a kill forgets nothing, against the key's monthly quota; and
the key's request rate (both from TRANSLATOR_KEYS_FILE), counted in this process's memory with SQLite, in the
shared database with PostgreSQL (so that the rate holds across replicas).

A request's characters are reserved before it is translated, in one UPDATE that checks the quota, so two
requests at once cannot both slip under it; they are given back if the request fails (when the database
cannot be reached then, the refund is owed: kept in this process's memory and paid at the next reservation
that reaches it; a process that ends first loses it). Keys are stored only as a hash. Without keys, everything
is counted for one anonymous account, with no limits.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import hashlib
import logging
import math
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from api.errors import ApiError
from api.store import stored, submitted
from translator.settings import KeyLimits
from translator.store import Database, open_sqlite
from translator.store.database import StoreUnavailable

log = logging.getLogger(__name__)
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Account:
    """Whose request this is: `id` is "anonymous" or "key-" and a hash of the key (never the key itself)."""

    id: str
    limits: KeyLimits = field(default_factory=KeyLimits)

    @classmethod
    def of(cls, key: str | None, limits: KeyLimits | None = None) -> Account:
        if key is None:
            return cls(ANONYMOUS)
        return cls("key-" + hashlib.sha256(key.encode()).hexdigest()[:24], limits or KeyLimits())


class QuotaExceeded(ApiError):
    """429 (DeepL's dialect says 456), with Retry-After: the seconds until the month's count starts again."""

    def __init__(self, limit: int, left: int, wanted: int, now: datetime) -> None:
        reset_s, reset = seconds_to_next_month(now), next_month(now)
        super().__init__(
            429,
            "quota_exceeded",
            f"the request's {wanted} characters are over the key's quota of {limit} characters this month "
            f"({max(0, left)} left); it resets in {reset_s} s, at {reset:%Y-%m-%dT%H:%M:%SZ}",
            {"Retry-After": str(reset_s)},
            limit=limit,
        )


class RateLimited(ApiError):
    def __init__(self, rate: float, retry_after_s: int) -> None:
        message = f"over the key's limit of {rate:g} requests a second; retry in {retry_after_s} s"
        super().__init__(429, "rate_limited", message, {"Retry-After": str(retry_after_s)})


def month_of(now: datetime) -> str:
    return now.strftime("%Y-%m")


def next_month(now: datetime) -> datetime:
    """When the count starts again: the first of the next month, 00:00 UTC."""
    return datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)


def seconds_to_next_month(now: datetime) -> int:
    return max(1, math.ceil((next_month(now) - now).total_seconds()))


class Usage:
    """The characters counted per account per month, in `store`: a Database, or the path of a SQLite file of
    its own."""

    def __init__(self, store: Database | Path) -> None:
        self.db = store if isinstance(store, Database) else open_sqlite(store, ("usage",), synchronous="NORMAL")
        self.rows: set[tuple[str, str]] = set()  # (account, month) rows known to exist
        self.owed: collections.deque[tuple[str, str, int]] = collections.deque()  # refunds the database missed

    def count(self, account: Account, now: datetime | None = None) -> int:
        month = month_of(now or datetime.now(UTC))
        row = self.db.one("SELECT characters FROM usage WHERE account = ? AND month = ?", (account.id, month))
        return int(row[0]) if row else 0

    def check(self, account: Account, characters: int = 1) -> None:
        """QuotaExceeded unless `characters` more fit in the account's quota this month (nothing is reserved)."""
        quota = account.limits.characters_per_month
        now = datetime.now(UTC)
        if quota is not None and self.count(account, now) + characters > quota:
            raise self._refusal(account, quota, characters, now)

    def _refusal(self, account: Account, quota: int, characters: int, now: datetime) -> QuotaExceeded:
        return QuotaExceeded(quota, quota - self.count(account, now), characters, now)

    @contextlib.asynccontextmanager
    async def spending(self, account: Account, characters: int) -> AsyncIterator[str]:
        """Reserve `characters` for `account` this month (QuotaExceeded if they do not fit), given back if the
        body raises (a cancelled request's too); the body gets the month they were counted in. The statements
        run off the event loop on PostgreSQL (api/store.py), where a request cancelled while its reservation runs
        has it given back once it is made."""
        reserving = submitted(self.db, self.reserve, account, characters)
        try:
            month = await asyncio.shield(reserving)
        except asyncio.CancelledError:
            reserving.add_done_callback(functools.partial(self._given_back, account.id, characters))
            raise
        try:
            yield month
        except BaseException:
            with contextlib.suppress(asyncio.CancelledError):  # (cancelled again: the refund runs on)
                await asyncio.shield(submitted(self.db, self.refund, account.id, month, characters))
            raise

    def _given_back(self, account_id: str, characters: int, reserving: asyncio.Future[str]) -> None:
        if not reserving.cancelled() and reserving.exception() is None:
            submitted(self.db, self.refund, account_id, reserving.result(), characters)

    def reserve(self, account: Account, characters: int) -> str:
        """Count `characters` for `account` this month, in one UPDATE that checks the quota (QuotaExceeded if
        they do not fit); the month they were counted in."""
        now = datetime.now(UTC)
        month = month_of(now)
        quota = account.limits.characters_per_month
        self._settle()
        if characters:  # nothing to translate costs nothing, and is never refused
            if (account.id, month) not in self.rows:  # one write a request, not two, once the row is there
                self.db.execute("INSERT INTO usage VALUES (?, ?, 0) ON CONFLICT DO NOTHING", (account.id, month))
                self.rows.add((account.id, month))
            fits = self.db.execute(
                "UPDATE usage SET characters = characters + ? WHERE account = ? AND month = ? "
                "AND (CAST(? AS BIGINT) IS NULL OR characters + ? <= ?)",
                (characters, account.id, month, quota, characters, quota),
            )
            if not fits and quota is not None:  # (with no quota every UPDATE fits)
                raise self._refusal(account, quota, characters, now)
        return month

    def refund(self, account_id: str, month: str, characters: int) -> None:
        """Give back characters counted in `month` for work that failed (owed while the database is lost)."""
        if characters:
            self.owed.append((account_id, month, characters))
            self._settle()

    def _settle(self) -> None:
        """Pay the refunds owed, oldest first, until the database cannot be reached."""
        while self.owed:
            account_id, month, characters = owed = self.owed.popleft()
            try:
                self.db.execute(
                    "UPDATE usage SET characters = CASE WHEN characters > ? THEN characters - ? ELSE 0 END "
                    "WHERE account = ? AND month = ?",
                    (characters, characters, account_id, month),
                )
            except StoreUnavailable as exc:
                self.owed.appendleft(owed)
                log.warning("%d refund(s) owed until the database answers: %s", len(self.owed), exc)
                return

    def close(self) -> None:
        self.db.close()


class RateLimit:
    """Requests a second per account, as token buckets holding one second's worth (at least one request): in
    this process's memory (SQLite: one process serves a data folder), or in the rate_limits table of a shared
    `db` (PostgreSQL), which every replica takes from in one statement, on the database's clock, so that the
    rate holds across replicas."""

    def __init__(self, db: Database | None = None) -> None:
        self.db = db
        self.buckets: dict[str, tuple[float, float]] = {}

    async def take(self, account: Account) -> None:
        """One of the account's requests, or RateLimited (with the seconds until the next one is due)."""
        rate = account.limits.requests_per_second
        if rate is None:
            return
        if self.db is None:
            tokens = self._taken_here(account.id, rate)
        else:
            tokens = await stored(self.db, self._taken_shared, account.id, rate)
        if tokens is not None:
            raise RateLimited(rate, math.ceil((1 - tokens) / rate))

    def _taken_here(self, account_id: str, rate: float) -> float | None:
        """None when a token was taken, else the tokens in the bucket (under one)."""
        now = time.monotonic()
        capacity = max(1.0, rate)
        tokens, then = self.buckets.get(account_id, (capacity, now))
        tokens = min(capacity, tokens + (now - then) * rate)
        if tokens < 1:
            self.buckets[account_id] = (tokens, now)
            return tokens
        self.buckets[account_id] = (tokens - 1, now)
        return None

    def _taken_shared(self, account_id: str, rate: float) -> float | None:
        """As _taken_here, in the table: the bucket refilled and a token taken in one INSERT ... ON CONFLICT
        DO UPDATE (the row locked while it runs, so replicas take turns), left as it was when under one."""
        assert self.db is not None
        capacity = max(1.0, rate)
        now = self.db.dialect.now  # one clock for every replica
        refilled = f"LEAST({capacity!r}, rate_limits.tokens + GREATEST(0, {now} - rate_limits.at) * {rate!r})"
        taken = self.db.one(
            f"INSERT INTO rate_limits VALUES (?, ?, {now}) ON CONFLICT (account) DO UPDATE "
            f"SET tokens = {refilled} - 1, at = GREATEST(rate_limits.at, {now}) WHERE {refilled} >= 1 "
            "RETURNING tokens",
            (account_id, capacity - 1),
        )
        if taken is not None:
            return None
        left = self.db.one(f"SELECT {refilled} FROM rate_limits WHERE account = ?", (account_id,))
        return float(left[0]) if left else 0.0
