"""The `translator` command: parse arguments, call the library, write results, map errors to exit codes.

A Unix filter: FILE or `-` or nothing (stdin) in, stdout out, logs and progress on stderr.
Exit codes: 0 done, 1 an error of the library (one line on stderr), 2 a usage error or a refused job,
3 an archive job in which some documents failed, 4 an evaluation under its --min-chrf, 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import math
import re
import signal
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, NoReturn, TextIO

from translator import durable, files, progress, quality, segment, utf8
from translator._version import __version__
from translator.chunks import ChunkTranslation
from translator.config import BACKENDS, DEVICES, TranslatorConfig
from translator.errors import ConfigError, InputError, RefusedError, TranslatorError
from translator.glossary import Glossary
from translator.memory import TranslationMemory
from translator.readers import DEFAULT_MAX_DOCUMENT_BYTES
from translator.reviewed import ReviewedStore, open_existing, open_store
from translator.search import search
from translator.settings import Settings, load_settings, quiet_libraries
from translator.testsets import SETS
from translator.types import AlignedDocument
from translator.writers import SINGLE, WRITERS

log = logging.getLogger("translator")
COMMANDS = "translator.commands"  # the entry-point group of the commands other packages add (api: serve)
# the options that stand for a setting: given, they win over its TRANSLATOR_* variable
OPTIONS = (
    "model",
    "revision",
    "backend",
    "device",
    "beam",
    "translate_english",
    "retry_loops",
    "min_confidence",
    "memory",
    "document_skip",
)


@dataclass(frozen=True)
class Command:
    """A command another installed package adds to `translator` through the entry-point group
    translator.commands (the api package's `serve`): its help line, its options, and what it runs, which reads
    its own settings (a bad one fails it with exit 1, as a missing model does)."""

    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], None]


def added_commands() -> dict[str, Command]:
    """The commands installed packages add, by name (their entry points are loaded, so keep them light)."""
    return {entry.name: entry.load() for entry in entry_points(group=COMMANDS)}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line, as for every other error, and exit 2."""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser(added: Mapping[str, Command]) -> argparse.ArgumentParser:
    parser = _Parser(prog="translator", description="Indonesian→English translation with aligned output.")
    parser.add_argument("--version", action="version", version=f"translator {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging on stderr (-vv: debug)")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    translate = commands.add_parser("translate", help="translate a text file or stdin")
    translate.add_argument("file", nargs="?", default="-", help="UTF-8 text; - or nothing for stdin")
    translate.add_argument(
        "--format", choices=tuple(SINGLE), default="text", help=f"{', '.join(SINGLE)} (default: text)"
    )
    translate.add_argument("--id", default="doc", help="the document's id in every format but text")
    translate.add_argument(
        "--glossary",
        metavar="FILE|ID",
        help="a glossary file: TSV (source<TAB>target), or CSV (.csv); or a stored glossary's id, as batch takes",
    )
    _model_options(translate)

    file = commands.add_parser(
        "translate-file",
        help="translate a .txt, .md, .html, .docx, .srt or .xliff file into NAME.en.SUFFIX beside it (or --out)",
    )
    file.add_argument("file", type=Path, help="the file; its suffix says its format")
    file.add_argument("--out", type=Path, help="where the English file goes (default: NAME.en.SUFFIX beside it)")
    file.add_argument("--force", action="store_true", help="overwrite the English file if it exists")
    file.add_argument(
        "--skip",
        dest="document_skip",
        metavar="FAMILIES",
        help=f"comma-separated, left untranslated and counted: {', '.join(files.FAMILIES)} (default: "
        "TRANSLATOR_DOCUMENT_SKIP, else none)",
    )
    _model_options(file)

    batch = commands.add_parser("batch", help="translate an archive into a folder, resumably")
    batch.add_argument("inputs", nargs="+", type=Path, help="files, folders, .zip or .tar.gz of txt/md/html/jsonl/csv")
    batch.add_argument("--out", required=True, type=Path, help="output folder (and its resumable ledger)")
    batch.add_argument(
        "--export",
        default="jsonl",
        help=f"comma-separated, from {','.join(WRITERS)} (default: jsonl); exports added to a job later are "
        "written from what it holds, with no translation",
    )
    batch.add_argument("--id-field", default="id", help="JSONL/CSV field of the document id")
    batch.add_argument("--text-field", default="text", help="JSONL/CSV field of the text")
    batch.add_argument("--title-field", default="title", help="JSONL/CSV field of the title")
    batch.add_argument(
        "--max-document-bytes",
        type=int,
        default=DEFAULT_MAX_DOCUMENT_BYTES,
        help="a larger document is recorded as a failure (default 10 MB)",
    )
    batch.add_argument("--restart", action="store_true", help="discard a previous job in --out and start over")
    batch.add_argument(
        "--glossary",
        metavar="FILE|ID",
        help="a glossary file (TSV, or CSV: .csv), or a stored glossary's id (TRANSLATOR_DATABASE_URL's, else the "
        "data folder's); its content is part of the job: a changed glossary refuses to resume, as changed inputs do",
    )
    batch.add_argument(
        "--quiet", action="store_true", help="a log line every 30 s instead of a progress bar (so without a terminal)"
    )
    _model_options(batch)
    _memory_option(batch)
    batch.add_argument("--no-memory", action="store_true", help="do not read or write the translation memory")
    batch.add_argument(
        "--refresh",
        action="store_true",
        help="then rewrite every output with the current reviewed translations (as translator refresh OUT)",
    )
    _ray_options(batch)

    refresh = commands.add_parser(
        "refresh",
        help="rewrite every output of a finished job with the current reviewed translations (no model)",
    )
    refresh.add_argument("out", type=Path, help="the job's output folder (translator batch --out)")

    memory = commands.add_parser("memory", help="the translation memory: stats, export, clear; reviewed: import")
    memory_commands = memory.add_subparsers(dest="memory_command", required=True, parser_class=_Parser)
    _memory_option(memory_commands.add_parser("stats", help="entries, by model"))
    export = memory_commands.add_parser("export", help="write every entry to a TMX file")
    export.add_argument("--tmx", required=True, type=Path, help="the TMX file to write")
    export.add_argument(
        "--reviewed",
        action="store_true",
        help="the reviewed translations (TRANSLATOR_DATA_DIR's, or TRANSLATOR_DATABASE_URL's) instead",
    )
    _memory_option(export)
    imported = memory_commands.add_parser(
        "import",
        help="add a TMX 1.4, XLIFF 2 (reviewed or final targets) or TSV file to the reviewed translations (the "
        "service's: TRANSLATOR_DATA_DIR, or TRANSLATOR_DATABASE_URL), all or nothing",
    )
    imported.add_argument("file", type=Path, help="the file to import")
    clear = memory_commands.add_parser("clear", help="delete every entry (asks first on a terminal)")
    clear.add_argument("--yes", action="store_true", help="do not ask: for scripts")
    _memory_option(clear)

    db = commands.add_parser("db", help="the PostgreSQL store of TRANSLATOR_DATABASE_URL")
    db_commands = db.add_subparsers(dest="db_command", required=True, parser_class=_Parser)
    copy = db_commands.add_parser(
        "copy",
        help="copy a data folder's document jobs (rows and files), usage counts, glossaries and reviewed translations "
        "(with their history) into TRANSLATOR_DATABASE_URL; run twice, nothing is copied twice",
    )
    copy.add_argument(
        "--from", dest="data_dir", required=True, type=Path, help="the data folder (TRANSLATOR_DATA_DIR) to copy"
    )

    glossary = commands.add_parser("glossary", help="glossary files: check one")
    glossary_commands = glossary.add_subparsers(dest="glossary_command", required=True, parser_class=_Parser)
    check = glossary_commands.add_parser(
        "check", help="print the entries as read (TSV, on stdout) and every problem with its line (on stderr)"
    )
    check.add_argument("file", type=Path, help="TSV (source<TAB>target), or CSV (.csv: source,target[,id,en])")

    evaluate = commands.add_parser(
        "eval",
        help="score the model on a test set: BLEU, chrF++ and TER (sacrebleu), flags, low_confidence, speed, "
        "glossary terms; never from the translation memory",
    )
    evaluate.add_argument(
        "pairs",
        nargs="?",
        type=Path,
        metavar="PAIRS_FILE",
        help="TSV (indonesian<TAB>english a line) or JSONL ({source, target} a line); with --set tatoeba-id, "
        "Tatoeba's eng-msa test.txt",
    )
    evaluate.add_argument("--set", dest="testset", choices=SETS, help="a named test set (nusax is bundled)")
    evaluate.add_argument("--glossary", type=Path, help="translate with this glossary and score its terms (TSV, CSV)")
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON instead of a Markdown table")
    evaluate.add_argument("--out", type=Path, help="write the JSON report to this file (and print the table)")
    evaluate.add_argument("--compare", type=Path, metavar="REPORT", help="an earlier JSON report: show the changes")
    evaluate.add_argument("--min-chrf", type=_number, help="exit 4 when chrF++ is below this")
    evaluate.add_argument("--segments", type=Path, help="write each pair's scores, English and flags here (JSONL)")
    evaluate.add_argument("--html", type=Path, help="write a page of the worst pairs, side by side, here")
    evaluate.add_argument("--worst", type=int, default=50, help="pairs on the --html page (default 50)")
    _model_options(evaluate)

    find = commands.add_parser("search", help="the sentence pairs of an archive job that hold every word: TSV")
    find.add_argument("out", type=Path, help="the job's output folder (its documents.jsonl)")
    find.add_argument("words", nargs="*", help="words to find, in Indonesian or English, in any case")
    find.add_argument("--flag", help="only pairs with this flag")

    seg = commands.add_parser("segment", help="split text into sentences: JSON Lines with offsets")
    seg.add_argument("file", nargs="?", default="-", help="UTF-8 text; - or nothing for stdin")

    download = commands.add_parser("download", help="put a model into the Hugging Face cache")
    download.add_argument("model", nargs="?", help="hub id (default: TRANSLATOR_MODEL, else opus-mt-id-en)")
    download.add_argument("--revision", help="hub revision to pin (default: TRANSLATOR_REVISION)")

    for name, command in added.items():
        command.arguments(commands.add_parser(name, help=command.help))
    return parser


def _model_options(parser: argparse.ArgumentParser) -> None:
    """Options left out take their TRANSLATOR_* variable's value, as the service does (translator/settings.py)."""
    parser.add_argument(
        "--model", help="hub id or local Marian directory (default: TRANSLATOR_MODEL, else opus-mt-id-en)"
    )
    parser.add_argument("--revision", help="hub revision to pin (default: TRANSLATOR_REVISION)")
    parser.add_argument("--backend", choices=BACKENDS, help="default: TRANSLATOR_BACKEND, else auto")
    parser.add_argument("--device", choices=DEVICES, help="default: TRANSLATOR_DEVICE, else auto")
    parser.add_argument("--beam", type=int, help="beam size (default: TRANSLATOR_BEAM, else 4)")
    parser.add_argument(
        "--translate-english",
        action=argparse.BooleanOptionalAction,
        help="translate sentences that are already English too (by default they pass through, flagged; "
        "TRANSLATOR_TRANSLATE_ENGLISH)",
    )
    parser.add_argument(
        "--retry-loops",
        action=argparse.BooleanOptionalAction,
        help="translate an output that loops once more, forbidding repeated trigrams (default: on; "
        "TRANSLATOR_RETRY_LOOPS)",
    )
    parser.add_argument(
        "--min-confidence",
        type=_share,
        metavar="P",
        help="flag sentences whose confidence (0 to 1) is below P low_confidence (default: "
        "TRANSLATOR_MIN_CONFIDENCE, else 0.3)",
    )


def _number(value: str) -> float:
    """A number, not nan (no score is under nan, so a --min-chrf of nan would let every model pass)."""
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if math.isnan(number):
        raise argparse.ArgumentTypeError(f"{value!r} is not a number")
    return number


def _share(value: str) -> float:
    """A number from 0 to 1, as --min-confidence takes it."""
    try:
        share = float(value)
    except ValueError:
        share = -1.0
    if not 0 <= share <= 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number from 0 to 1")
    return share


def _ray_address(value: str) -> str:
    """A Ray address as `--ray` takes it; anything else (an input folder read as the address) is refused."""
    if value in ("", "auto") or value.startswith("ray://") or re.fullmatch(r"[\w.-]+:\d+", value):
        return value
    raise argparse.ArgumentTypeError(
        f"{value!r} is not a Ray address (auto, ray://HOST:PORT or HOST:PORT): put --ray after the inputs, "
        "or write --ray=ADDRESS"
    )


def _ray_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ray",
        nargs="?",
        const="",
        type=_ray_address,
        metavar="ADDRESS",
        help="translate on Ray Data (pip install -e .[ray]): a local Ray for the job, or ADDRESS (auto, ray://...)",
    )
    parser.add_argument("--ray-actors", type=int, default=2, help="translation actors, each loading the model")
    parser.add_argument("--ray-gpus-per-actor", type=float, default=0.0, help="0: CPU actors (default)")
    parser.add_argument("--ray-chunk-documents", type=int, help="documents per Ray chunk (default: 64)")


def _memory_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--memory",
        type=Path,
        help="translation memory file (default: TRANSLATOR_MEMORY, else the database of TRANSLATOR_DATABASE_URL, "
        "else memory.sqlite in the user cache folder)",
    )


def _settings(args: argparse.Namespace) -> Settings:
    """The settings (TRANSLATOR_* variables) with the options given on the command line over them."""
    given = {name: value for name in OPTIONS if (value := getattr(args, name, None)) is not None}
    return load_settings().model_copy(update=given)


def _config(args: argparse.Namespace) -> TranslatorConfig:
    settings: Settings = args.settings
    return settings.translator_config()


def main(argv: Sequence[str] | None = None) -> int:
    added = added_commands()
    args = build_parser(added).parse_args(argv)
    _configure_logging(args.verbose)
    if args.command not in added:  # an added command reads its own settings
        try:
            args.settings = _settings(args)
        except ConfigError as exc:  # a bad variable is a usage error, as a bad option is
            sys.stderr.write(f"translator: error: {exc}\n")
            return 2
    try:
        if args.command in added:
            added[args.command].run(args)
        elif args.command == "translate":
            _translate(args, sys.stdout)
        elif args.command == "translate-file":
            _translate_file(args)
        elif args.command == "batch":
            return _batch(args)
        elif args.command == "refresh":
            _refresh(args.settings, args.out)
        elif args.command == "memory":
            _memory(args, sys.stdout)
        elif args.command == "db":
            _db_copy(args.settings, args.data_dir)
        elif args.command == "glossary":
            return _glossary_check(args.file, sys.stdout)
        elif args.command == "eval":
            return _evaluate(args, sys.stdout)
        elif args.command == "search":
            _search(args, sys.stdout)
        elif args.command == "segment":
            _segment(_read(args.file), sys.stdout)
        elif args.command == "download":
            _download(args.settings.model, args.settings.revision)
    except RefusedError as exc:
        sys.stderr.write(f"translator: error: {exc}\n")
        return 2
    except TranslatorError as exc:
        sys.stderr.write(f"translator: error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        resume = ": run the same command to resume" if args.command == "batch" else ""
        sys.stderr.write(f"\ninterrupted{resume}\n")
        return 130
    except BrokenPipeError:  # `translator ... | head`: the reader left, which is not an error
        sys.stderr.close()
        return 0
    return 0


def _read(name: str) -> str:
    try:
        data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from exc
    try:
        return utf8.decode(data)
    except InputError as exc:
        raise InputError(f"{'stdin' if name == '-' else name}: {exc}") from None


def _translate(args: argparse.Namespace, out: TextIO) -> None:
    from translator.pipeline import Translator

    text = _read(args.file)
    glossary = _load_glossary(args.glossary, args.settings, stored=True) if args.glossary else None
    with _reading_reviewed(args.settings) as reviewed:
        translator = Translator.from_config(_config(args), reviewed=reviewed)
        doc = translator.translate_document(text, doc_id=args.id, glossary=glossary)
    _write(doc, args.format, out)


def _translate_file(args: argparse.Namespace) -> None:
    """The file translated into the same format (translator/files), written whole or not at all, never over an
    existing file without --force, and with it over a regular file only (the English is renamed over it: over a
    link or a device, /dev/stdout, it would replace the link or the device node)."""
    from translator.pipeline import Translator

    out = args.out or args.file.with_name(f"{args.file.stem}.en{args.file.suffix}")
    if out.is_symlink() or (out.exists() and not out.is_file()):
        raise RefusedError(f"{out} is not a regular file: give --out the path of one")
    if out.exists() and not args.force:
        raise RefusedError(f"{out} exists: pass --force to overwrite it")
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {args.file}: {exc.strerror or exc}") from exc
    try:  # the model is loaded only once the file has been read right
        parsed = files.parse(args.file.name, data, args.settings.file_options())
        with _reading_reviewed(args.settings) as reviewed:
            translator = Translator.from_config(_config(args), reviewed=reviewed)
            if parsed.by_sentence:
                built = parsed.translated([s.target for s in translator.translate_sentences(parsed.sources())])
            else:
                built = parsed.translated(translator.translate(parsed.sources()))
    except InputError as exc:
        raise InputError(f"{args.file}: {exc}") from None
    durable.replace(out, lambda sink: sink.write(built.data))
    log.warning("wrote %s", out)
    if moved := built.flags.get(quality.MARKUP_MOVED):
        log.warning("inline markup placed by a guess (markup_moved) in %d sentence(s): check them", moved)
    if parsed.untranslated:
        left = ", ".join(f"{kind} {count}" for kind, count in parsed.untranslated.items())
        log.warning("left untranslated (docs/documents.md says why): %s", left)


def _open_memory(settings: Settings) -> TranslationMemory:
    """--memory or TRANSLATOR_MEMORY's file; else TRANSLATOR_DATABASE_URL's memory; else memory.sqlite in the
    user cache folder."""
    path, url = settings.memory, settings.database()
    if path is None and url is not None:
        from translator.store import open_database

        return TranslationMemory(open_database(url, settings.database_pool))
    if path is None:
        from platformdirs import user_cache_path

        path = user_cache_path("translator") / "memory.sqlite"
    return TranslationMemory(path)


def _open_reviewed(settings: Settings) -> ReviewedStore:
    """The deployment's reviewed translations, as the service opens them: TRANSLATOR_DATABASE_URL's, else the
    data folder's (TRANSLATOR_DATA_DIR)."""
    return open_store(settings.data_dir, settings.database(), settings.database_pool)


@contextlib.contextmanager
def _reading_reviewed(settings: Settings) -> Iterator[ReviewedStore | None]:
    """The reviewed translations for a translation, closed after it; None where there are none to read."""
    reviewed = open_existing(settings.data_dir, settings.database(), settings.database_pool)
    try:
        yield reviewed
    finally:
        if reviewed is not None:
            reviewed.close()


def _db_copy(settings: Settings, data_dir: Path) -> None:
    from translator.store import copy, open_database

    url = settings.database()
    if url is None:
        raise ConfigError("translator db copy needs TRANSLATOR_DATABASE_URL: the PostgreSQL to copy into")
    with open_database(url, settings.database_pool) as target:
        copied = copy.copy(data_dir, target)
        log.warning(
            "copied %d usage counts, %d document jobs, %d job files, %d glossaries and %d reviewed translations "
            "with %d rows of their history, from %s to %s",
            copied.usage,
            copied.jobs,
            copied.files,
            copied.glossaries,
            copied.reviewed,
            copied.history,
            data_dir,
            target.where,
        )


def _batch(args: argparse.Namespace) -> int:
    """Exit 0 when every document was translated, 3 when some failed (they are listed in the manifest)."""
    from translator import archive
    from translator.pipeline import Translator
    from translator.readers import Fields

    config = _config(args)
    glossary = _load_glossary(args.glossary, args.settings, stored=True) if args.glossary else None
    options = archive.JobOptions(
        inputs=args.inputs,
        out=args.out,
        exports=tuple(e.strip().lower() for e in args.export.split(",") if e.strip()),
        fields=Fields(id=args.id_field, text=args.text_field, title=args.title_field),
        restart=args.restart,
        max_document_bytes=args.max_document_bytes,
        config=config,
        engine=_engine(args, glossary),
        glossary=glossary,
    )

    opened = contextlib.ExitStack()

    def load() -> Translator:
        memory = None if args.no_memory else opened.enter_context(contextlib.closing(_open_memory(args.settings)))
        reviewed = opened.enter_context(_reading_reviewed(args.settings))
        return Translator.from_config(config, memory=memory, reviewed=reviewed)

    previous = signal.signal(signal.SIGTERM, _interrupt)  # kill, docker stop, systemd: stop as Ctrl-C does
    try:
        with opened, progress.shown(plain=args.quiet or not sys.stderr.isatty()) as report:
            result = archive.run(options, load, report)
    finally:
        signal.signal(signal.SIGTERM, previous)  # main(argv) may run inside a longer-lived process
    if result.already_complete:
        log.warning("nothing to do: %s holds this job, complete", args.out)
    if result.rebuilt:
        log.warning("wrote %s from the documents %s holds", ", ".join(result.rebuilt), args.out)
    log.warning("%d documents, %d failed; manifest: %s", result.documents, result.failed, result.manifest)
    if args.refresh:
        _refresh(args.settings, args.out)
    return 3 if result.failed else 0


def _load_glossary(value: str, settings: Settings, stored: bool) -> Glossary:
    """The glossary of a file, or (`stored`) of a stored glossary's id when no such file exists: from
    TRANSLATOR_DATABASE_URL's store, else the data folder's; InputError naming the first problem's line."""
    from translator.glossary.parse import load_file

    path = Path(value)
    if path.exists() or not stored:
        return Glossary(tuple(load_file(path)))
    from translator.glossary.store import GlossaryStore
    from translator.store import layout, open_database

    url, file = settings.database(), layout.glossaries_file(settings.data_dir)
    if url is None and not file.is_file():
        raise InputError(f"--glossary {value}: no such file, and {file} holds no glossaries")
    with contextlib.closing(GlossaryStore(open_database(url, settings.database_pool) if url else file)) as store:
        glossary = store.glossary(None, value)
        if glossary is None:
            raise InputError(f"--glossary {value}: no such file, nor a glossary with that id in {store.where}")
        return glossary


def _glossary_check(path: Path, out: TextIO) -> int:
    """The entries of `path` as read, on `out` as TSV; every problem on stderr, a line each; 1 if any."""
    from translator.glossary.parse import read_file, to_tsv

    found = read_file(path)
    out.write(to_tsv(entry for _, entry in found.entries))
    for problem in found.problems:
        sys.stderr.write(f"{path}: {problem}\n")
    log.warning("%s: %d entries, %d problems", path, len(found.entries), len(found.problems))
    return 1 if found.problems else 0


def _refresh(settings: Settings, out: Path) -> None:
    from translator import refresh
    from translator.reviewed import Snapshot

    with _reading_reviewed(settings) as reviewed:
        done = refresh.refresh(out, reviewed or Snapshot())
    if done.current:
        log.warning("nothing to refresh: %s holds the current reviewed translations", out)
        return
    log.warning("refreshed %s: %d sentences changed; manifest: %s", out, done.changed, done.manifest)


def _engine(args: argparse.Namespace, glossary: Glossary | None) -> ChunkTranslation | None:
    """None (translate in this process), or the Ray Data driver (translator/cluster.py)."""
    if args.ray is None:
        return None
    from translator import cluster

    if args.ray_actors < 1 or args.ray_gpus_per_actor < 0 or (args.ray_chunk_documents or 1) < 1:
        raise RefusedError("--ray-actors and --ray-chunk-documents must be at least 1, --ray-gpus-per-actor >= 0")
    options = cluster.RayOptions(
        address=args.ray or None,
        actors=args.ray_actors,
        gpus_per_actor=args.ray_gpus_per_actor,
        chunk_documents=args.ray_chunk_documents,
    )
    return cluster.engine(options, args.out / cluster.RESULTS, glossary)


def _interrupt(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt


def _memory(args: argparse.Namespace, out: TextIO) -> None:
    if args.memory_command == "import" or (args.memory_command == "export" and args.reviewed):
        _reviewed_file(args, out)
        return
    memory = _open_memory(args.settings)
    try:
        if args.memory_command == "stats":
            stats = memory.stats()
            out.write(json.dumps({"path": stats.where, "entries": stats.entries, "models": stats.models}) + "\n")
        elif args.memory_command == "export":
            from translator.writers import tmx

            entries = enumerate(memory.entries())
            units = ((source, target, f"tm{i}", {"x-model": model}) for i, (source, target, model) in entries)
            written = durable.replace(args.tmx, lambda out: tmx.write_units(units, out, {}))
            log.warning("%d entries written to %s", written, args.tmx)
        elif args.memory_command == "clear":
            _confirm_clear(memory, args.yes)
            log.warning("%d entries deleted from %s", memory.clear(), memory.where)
    finally:
        memory.close()


def _reviewed_file(args: argparse.Namespace, out: TextIO) -> None:
    """`memory import FILE` (the counts as JSON on stdout) and `memory export --reviewed --tmx FILE`."""
    from translator import exchange

    with contextlib.closing(_open_reviewed(args.settings)) as reviewed:
        if args.memory_command == "export":
            written = durable.replace(args.tmx, lambda sink: exchange.export_tmx(reviewed.entries(), sink))
            log.warning("%d reviewed translations written to %s", written, args.tmx)
            return
        try:
            limit = args.settings.max_import_bytes
            if (refused := exchange.too_large(str(args.file), args.file.stat().st_size, limit)) is not None:
                raise refused  # at the edge: not read into memory
            data = args.file.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {args.file}: {exc.strerror or exc}") from exc
        done = exchange.import_file(reviewed, args.file.name, data, "cli", limit)
        out.write(json.dumps(done.to_dict(), ensure_ascii=False) + "\n")
        log.warning("%s: %d added, %d updated, %d skipped", args.file, done.added, done.updated, len(done.skipped))


def _confirm_clear(memory: TranslationMemory, yes: bool) -> None:
    """Deleting the memory is asked for on a terminal, and refused without --yes elsewhere (a pipe, a script)."""
    if yes:
        return
    entries = memory.stats().entries
    if not sys.stdin.isatty():
        raise RefusedError(f"memory clear would delete {entries} entries from {memory.where}; pass --yes to do so")
    sys.stderr.write(f"Delete {entries} entries from {memory.where}? [y/N] ")
    sys.stderr.flush()
    if sys.stdin.readline().strip().lower() not in ("y", "yes"):
        raise RefusedError("memory clear: nothing deleted")


def _evaluate(args: argparse.Namespace, out: TextIO) -> int:
    """Exit 4 when chrF++ is under --min-chrf. The model and its options are those of `translate`; no memory."""
    from translator import evaluation, testsets
    from translator.pipeline import Translator
    from translator.writers import page

    if (args.pairs is None) == (args.testset is None) and args.testset != "tatoeba-id":
        raise RefusedError("give PAIRS_FILE or --set NAME (nusax, or tatoeba-id with its downloaded file)")
    if args.worst < 1:
        raise RefusedError("--worst must be at least 1")
    testset = testsets.named(args.testset, args.pairs) if args.testset else testsets.read(args.pairs)
    before = _report(args.compare) if args.compare else None
    glossary = _load_glossary(str(args.glossary), args.settings, stored=False) if args.glossary else None
    report, segments = evaluation.evaluate(Translator.from_config(_config(args)), testset, glossary)
    if before is not None:
        report = dataclasses.replace(report, compared=evaluation.compare(report, before))
    as_json = json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"
    if args.out:
        durable.replace(args.out, lambda sink: sink.write(as_json.encode()))
    if args.segments:
        lines = "".join(json.dumps(s.to_dict(), ensure_ascii=False) + "\n" for s in segments)
        durable.replace(args.segments, lambda sink: sink.write(lines.encode()))
    if args.html:
        scores = [(evaluation.NAMES[n], evaluation.shown(n, v)) for n, v in report.scores().items()]
        made = [f"{report.provenance['model']}@{report.provenance['revision']}", report.provenance["backend"]]
        html = page.evaluation(f"{testset.name}: the worst pairs", made, scores, evaluation.worst(segments, args.worst))
        durable.replace(args.html, lambda sink: sink.write(html.encode()))
    out.write(as_json if args.json else evaluation.markdown(report))
    if args.min_chrf is not None and report.chrf < args.min_chrf:
        log.warning("chrF++ %.2f is under --min-chrf %.2f", report.chrf, args.min_chrf)
        return 4
    return 0


def _report(path: Path) -> dict[str, Any]:
    """An earlier `translator eval --json` report, for --compare."""
    try:
        report = json.loads(utf8.decode(path.read_bytes()))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (InputError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a JSON report ({exc})") from None
    if not isinstance(report, dict) or not isinstance(report.get("chrf"), int | float):
        raise InputError(f"{path}: not a translator eval report (no chrf)")
    return report


def _write(doc: AlignedDocument, fmt: str, out: TextIO) -> None:
    out.write(SINGLE.load(fmt)(doc))


def _search(args: argparse.Namespace, out: TextIO) -> None:
    found = 0
    for hit in search(args.out, args.words, args.flag):
        out.write(hit.line() + "\n")
        found += 1
    log.info("%d sentence%s found", found, "" if found == 1 else "s")


def _segment(text: str, out: TextIO) -> None:
    for p in segment(text):
        for s in p.sentences:
            _json_line(out, {"paragraph": p.index, "start": s.start, "end": s.end, "text": s.source})


def _json_line(out: TextIO, record: dict[str, Any]) -> None:
    out.write(json.dumps(record, ensure_ascii=False) + "\n")


def _download(model: str, revision: str | None) -> None:
    """Fetch the model into the HF cache and, where CTranslate2 is installed, convert it once for it."""
    from translator.errors import BackendError
    from translator.models import fetch

    source = fetch(model, revision)
    log.warning("%s (revision %s) is in the Hugging Face cache", source.name, source.revision)
    try:
        from translator.backends.ct2 import convert
    except ImportError:
        log.warning("CTranslate2 is not installed: the transformers backend will be used")
    else:
        try:
            log.warning("converted for CTranslate2 in %s", convert(source, "int8"))
        except BackendError as exc:
            log.warning("%s; the transformers backend will be used", exc)
    sys.stdout.write(f"{source.path}\n")


def _configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(name)s: %(message)s", stream=sys.stderr)
    if verbosity == 0:
        quiet_libraries()
