"""Usage per key per month in SQLite, quotas (456 on DeepL routes, 429 elsewhere) and request rates (429 with
Retry-After): in-process against a real SQLite file, and the counter itself across a reopen."""

from __future__ import annotations

import asyncio
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.usage import Account, QuotaExceeded, Usage, seconds_to_next_month
from tests.api.conftest import App, app_fixture, call
from translator.errors import ConfigError
from translator.settings import KeyLimits, Settings

KEYS = """\
# key  characters a month  requests a second
free
idle
small 40
shared 100
slow - 0.01
"""
server = app_fixture(keys=KEYS)
open_server = app_fixture()


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def usage(server: App, key: str) -> dict[str, object]:
    r = call(server.url + "/v1/usage", headers=auth(key))
    assert r.status == 200
    return dict(r.json())


def test_every_route_counts_the_characters_it_translates(server: App, pairs: list[dict[str, str]]) -> None:
    texts = [pairs[0]["source"], pairs[1]["source"]]
    before = usage(server, "free")["characters"]
    assert before == 0 and usage(server, "free")["character_limit"] is None
    assert call(server.url + "/v1/translate", {"texts": texts}, headers=auth("free")).status == 200
    docs = {"documents": [{"id": "a", "text": texts[0]}]}
    assert call(server.url + "/v1/documents", docs, headers=auth("free")).status == 200
    lt = call(server.url + "/translate", {"q": texts[1], "source": "id", "target": "en", "api_key": "free"})
    assert lt.status == 200
    deepl = call(server.url + "/v2/translate", {"text": texts, "target_lang": "EN-US"}, headers=auth("free"))
    assert deepl.status == 200
    expected = 2 * sum(map(len, texts)) + len(texts[0]) + len(texts[1])
    assert usage(server, "free")["characters"] == expected
    r = call(server.url + "/v2/usage", headers={"Authorization": "DeepL-Auth-Key free"}).json()
    assert r == {"character_count": expected, "character_limit": 10**12}
    assert usage(server, "idle")["characters"] == 0  # another key's count is its own


def test_a_quota_refuses_what_does_not_fit_and_counts_nothing_refused(server: App) -> None:
    first = call(server.url + "/v1/translate", {"texts": ["a" * 30]}, headers=auth("small"))
    assert first.status == 200
    over = call(server.url + "/v1/translate", {"texts": ["b" * 11]}, headers=auth("small"))
    assert over.status == 429 and over.json()["error"]["code"] == "quota_exceeded"
    assert "11 characters" in over.json()["error"]["message"] and "10 left" in over.json()["error"]["message"]
    assert int(over.headers["retry-after"]) == pytest.approx(seconds_to_next_month(datetime.now(UTC)), abs=60)
    now = datetime.now(UTC)
    first_of_next = datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)
    assert f"at {first_of_next:%Y-%m-%dT%H:%M:%SZ}" in over.json()["error"]["message"]  # a date, not only seconds
    deepl = call(server.url + "/v2/translate", {"text": ["b" * 11], "target_lang": "EN-US"}, headers=auth("small"))
    assert deepl.status == 456 and isinstance(deepl.json()["message"], str)
    lt = call(server.url + "/translate", {"q": "b" * 11, "source": "id", "target": "en", "api_key": "small"})
    assert lt.status == 429 and "quota" in lt.json()["error"]
    fits = call(server.url + "/v1/translate", {"texts": ["c" * 10]}, headers=auth("small"))
    assert fits.status == 200
    assert usage(server, "small")["characters"] == 40
    limits = call(server.url + "/v2/usage", headers=auth("small")).json()
    assert limits == {"character_count": 40, "character_limit": 40}


def test_requests_at_once_never_overshoot_a_quota(server: App) -> None:
    """Eight requests of 20 characters at once against 100: exactly five are translated, and 100 counted."""
    with ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(
                lambda i: (
                    call(
                        server.url + "/v1/translate", {"texts": [f"Halo dunia nomor {i:02}."]}, headers=auth("shared")
                    ).status
                ),
                range(8),
            )
        )
    assert sorted(statuses) == [200] * 5 + [429] * 3
    assert usage(server, "shared")["characters"] == 100


def test_a_failed_request_gives_its_characters_back(server: App) -> None:
    before = usage(server, "free")["characters"]
    over = call(server.url + "/v1/translate", {"texts": ["Halo."] * 51}, headers=auth("free"))
    assert over.status == 413  # refused before counting
    bad = call(server.url + "/v2/translate", {"text": ["x" * 20], "target_lang": "DE"}, headers=auth("free"))
    assert bad.status == 400
    assert usage(server, "free")["characters"] == before


def test_a_request_rate_answers_429_with_retry_after(server: App) -> None:
    for _ in range(3):  # reading the usage spends none of the rate
        assert call(server.url + "/v1/usage", headers=auth("slow")).status == 200
    assert call(server.url + "/v1/models", headers=auth("slow")).status == 200  # the one request a 100 s
    again = call(server.url + "/v1/translate", {"texts": ["Halo."]}, headers=auth("slow"))
    assert again.status == 429 and again.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(again.headers["retry-after"]) <= 100
    deepl = call(server.url + "/v2/usage", headers={"Authorization": "DeepL-Auth-Key slow"})
    assert deepl.status == 429 and "retry-after" in deepl.headers and isinstance(deepl.json()["message"], str)
    assert call(server.url + "/v1/usage", headers=auth("free")).status == 200  # another key is not slowed


def test_without_keys_the_anonymous_user_is_counted_with_no_limit(open_server: App) -> None:
    assert call(open_server.url + "/v1/translate", {"texts": ["Halo dunia."]}).status == 200
    mine = call(open_server.url + "/v1/usage").json()
    assert mine["characters"] == len("Halo dunia.") and mine["character_limit"] is None
    form = urllib.parse.urlencode({"text": "Halo.", "target_lang": "EN-US"})
    assert call(open_server.url + "/v2/translate", form, content_type="application/x-www-form-urlencoded").status == 200
    assert call(open_server.url + "/v2/usage").json() == {"character_count": 16, "character_limit": 10**12}


def test_counts_survive_a_reopen_and_reservations_are_atomic(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    account = Account.of("secret-key-123", KeyLimits(characters_per_month=100))
    meter = Usage(path)
    other = Account.of("other")

    async def spend() -> None:
        async with meter.spending(account, 60):  # in flight: its characters are already taken
            with pytest.raises(QuotaExceeded):
                async with meter.spending(account, 41):
                    pass
            async with meter.spending(account, 40):
                pass
        with pytest.raises(RuntimeError):
            async with meter.spending(other, 30):
                raise RuntimeError("the translation failed")

    asyncio.run(spend())
    meter.close()
    reopened = Usage(path)
    assert reopened.count(account) == 100
    assert reopened.count(other) == 0
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert account.id.encode() in stored and b"secret-key-123" not in stored  # keys are kept only as a hash


@pytest.mark.parametrize(
    ("line", "problem"),
    [("k many", "line 1"), ("k 10 0", "positive"), ("k -5", "negative"), ("k 1 2 3", "three fields"), ("k 1 nan", "")],
)
def test_a_bad_keys_file_line_is_a_config_error_naming_it(tmp_path: Path, line: str, problem: str) -> None:
    (tmp_path / "keys").write_text(f"{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=problem):
        Settings(keys_file=tmp_path / "keys").keys()


def test_the_keys_file_reads_limits_and_dashes(tmp_path: Path) -> None:
    (tmp_path / "keys").write_text(KEYS.replace("\n", "\r\n"), encoding="utf-8-sig")  # as a Windows editor saves it
    keys = Settings(keys_file=tmp_path / "keys", api_keys="extra").keys()
    assert keys == {
        "free": KeyLimits(),
        "idle": KeyLimits(),
        "small": KeyLimits(characters_per_month=40),
        "shared": KeyLimits(characters_per_month=100),
        "slow": KeyLimits(requests_per_second=0.01),
        "extra": KeyLimits(),
    }
