"""Where a data folder (TRANSLATOR_DATA_DIR) keeps what the service remembers when it runs on SQLite: the usage
counts in one file, the document jobs in another with each job's files in a folder beside it, the glossaries in
a third, the reviewed translations in a fourth."""

from __future__ import annotations

from pathlib import Path

USAGE = "usage.sqlite3"
JOBS_FOLDER = "documents"
JOBS = "jobs.sqlite3"
GLOSSARIES = "glossaries.sqlite3"
REVIEWED = "reviewed.sqlite3"  # reviewed translations and their history (translator/reviewed.py)
SOURCE, RESULT = "source", "result"  # a job's files: the upload and its translation
GLOSSARY = "glossary"  # ... and the entries it is translated with (TSV), if any: as they were when it was made
UNTRANSLATED = "untranslated.json"  # and what its translation leaves untranslated, by kind (where anything)
MARKUP = "markup.json"  # and the markup options it is read with (DeepL's tag options), if the request had any
FLAGS = "flags.json"  # and, once translated, how many sentences carry each flag (markup_moved)
JOB_FILES = (SOURCE, RESULT, GLOSSARY, UNTRANSLATED, MARKUP, FLAGS)  # all of a job's files (translator db copy)


def usage_file(data_dir: Path) -> Path:
    return data_dir / USAGE


def jobs_folder(data_dir: Path) -> Path:
    return data_dir / JOBS_FOLDER


def glossaries_file(data_dir: Path) -> Path:
    return data_dir / GLOSSARIES


def reviewed_file(data_dir: Path) -> Path:
    return data_dir / REVIEWED
