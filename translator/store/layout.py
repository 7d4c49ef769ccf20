"""Where a data folder (TRANSLATOR_DATA_DIR) keeps what the service remembers when it runs on SQLite: the usage
counts in one file, the document jobs in another with each job's files in a folder beside it, the reviewed
translations in a third."""

from __future__ import annotations

from pathlib import Path

USAGE = "usage.sqlite3"
JOBS_FOLDER = "documents"
JOBS = "jobs.sqlite3"
REVIEWED = "reviewed.sqlite3"  # reviewed translations and their history (translator/reviewed.py)
SOURCE, RESULT = "source", "result"  # a job's files: the upload and its translation


def usage_file(data_dir: Path) -> Path:
    return data_dir / USAGE


def jobs_folder(data_dir: Path) -> Path:
    return data_dir / JOBS_FOLDER


def reviewed_file(data_dir: Path) -> Path:
    return data_dir / REVIEWED
