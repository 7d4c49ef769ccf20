"""The service on PostgreSQL (TRANSLATOR_DATABASE_URL): a document's rows and files and the usage it costs
live in the database, nothing in the data folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.api.conftest import App, call
from tests.api.test_jobs import ONE, english, upload
from translator import Translator, TranslatorConfig
from translator.store import open_database


def test_a_document_and_its_usage_live_in_postgresql(
    served: Callable[[TranslatorConfig], Translator], postgres_url: str, pairs: list[dict[str, str]], tmp_path: Path
) -> None:
    app = App(served, keys="one\n", TRANSLATOR_DATABASE_URL=postgres_url, TRANSLATOR_DATA_DIR=str(tmp_path / "data"))
    try:
        text = f"{pairs[0]['source']}\n"
        status, handle = upload(app, "berita.txt", text.encode())
        assert status == 200
        url, key = f"{app.url}/v2/document/{handle['document_id']}", {"document_key": handle["document_key"]}
        assert call(url, key, headers=ONE).json()["status"] == "done"
        result = call(url + "/result", key, headers=ONE)
        assert result.status == 200 and result.body.decode() == english(app, text) + "\n"
        with open_database(postgres_url, pool_size=1) as database:
            assert database.one("SELECT status FROM jobs") == ("downloaded",)
            assert database.one("SELECT COUNT(*) FROM job_files") == (0,)  # a once-only result, fetched
            (counted,) = database.one("SELECT SUM(characters) FROM usage") or (0,)
            assert counted >= len(text) - 1  # the document's characters and the texts `english` sent
        assert not (tmp_path / "data" / "documents").exists() and not (tmp_path / "data" / "usage.sqlite3").exists()
    finally:
        app.stop()
