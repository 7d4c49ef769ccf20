"""The `translator` command: parse arguments, call the library, write results, map errors to exit codes.

A Unix filter: FILE or `-` or nothing (stdin) in, stdout out, logs and progress on stderr.
Exit codes: 0 done, 1 an error of the library (one line on stderr), 2 a usage error or a refused job,
3 an archive job in which some documents failed, 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from translator import durable, segment
from translator._version import __version__
from translator.archive import Progress
from translator.chunks import ChunkTranslation
from translator.config import BACKENDS, DEFAULT_MODEL, DEVICES, DecodeOptions, TranslatorConfig
from translator.errors import InputError, RefusedError, TranslatorError
from translator.formats import DEFAULT_MAX_DOCUMENT_BYTES, WRITERS, page, tsv
from translator.memory import TranslationMemory
from translator.types import AlignedDocument

log = logging.getLogger("translator")
FORMATS = ("text", "json", "jsonl", "tsv", "html")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line, as for every other error, and exit 2."""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    env = os.environ
    parser = _Parser(prog="translator", description="Indonesian→English translation with aligned output.")
    parser.add_argument("--version", action="version", version=f"translator {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging on stderr (-vv: debug)")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    translate = commands.add_parser("translate", help="translate a text file or stdin")
    translate.add_argument("file", nargs="?", default="-", help="UTF-8 text; - or nothing for stdin")
    translate.add_argument("--format", choices=FORMATS, default="text", help="text (default), json, jsonl, tsv, html")
    translate.add_argument("--id", default="doc", help="document id in json/jsonl output")
    _model_options(translate)

    file = commands.add_parser("translate-file", help="translate a .txt, .html, .docx, .srt or .xliff file in place")
    file.add_argument("file", type=Path, help="the file; its suffix says its format")
    file.add_argument("--out", type=Path, help="where the English file goes (default: NAME.en.SUFFIX beside it)")
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
        "--quiet", action="store_true", help="a log line every 30 s instead of a progress bar (so without a terminal)"
    )
    _model_options(batch)
    _memory_option(batch)
    batch.add_argument("--no-memory", action="store_true", help="do not read or write the translation memory")
    _ray_options(batch)

    memory = commands.add_parser("memory", help="the translation memory: stats, export, clear")
    memory_commands = memory.add_subparsers(dest="memory_command", required=True, parser_class=_Parser)
    _memory_option(memory_commands.add_parser("stats", help="entries, by model"))
    export = memory_commands.add_parser("export", help="write every entry to a TMX file")
    export.add_argument("--tmx", required=True, type=Path, help="the TMX file to write")
    _memory_option(export)
    clear = memory_commands.add_parser("clear", help="delete every entry (asks first on a terminal)")
    clear.add_argument("--yes", action="store_true", help="do not ask: for scripts")
    _memory_option(clear)

    seg = commands.add_parser("segment", help="split text into sentences: JSON Lines with offsets")
    seg.add_argument("file", nargs="?", default="-", help="UTF-8 text; - or nothing for stdin")

    download = commands.add_parser("download", help="put a model into the Hugging Face cache")
    download.add_argument("model", nargs="?", default=env.get("TRANSLATOR_MODEL", DEFAULT_MODEL))
    download.add_argument("--revision", default=env.get("TRANSLATOR_REVISION"))

    serve = commands.add_parser("serve", help="run the HTTP service (configured by TRANSLATOR_* variables)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    return parser


def _model_options(parser: argparse.ArgumentParser) -> None:
    env = os.environ
    parser.add_argument(
        "--model", default=env.get("TRANSLATOR_MODEL", DEFAULT_MODEL), help="hub id or local Marian directory"
    )
    parser.add_argument("--revision", default=env.get("TRANSLATOR_REVISION"), help="hub revision to pin")
    parser.add_argument("--backend", choices=BACKENDS, default=env.get("TRANSLATOR_BACKEND", "auto"))
    parser.add_argument("--device", choices=DEVICES, default=env.get("TRANSLATOR_DEVICE", "auto"))
    parser.add_argument("--beam", type=int, default=env.get("TRANSLATOR_BEAM", "4"), help="beam size")
    parser.add_argument(
        "--translate-english",
        action=argparse.BooleanOptionalAction,
        default=_env_flag("TRANSLATOR_TRANSLATE_ENGLISH", False),
        help="translate sentences that are already English too (by default they pass through, flagged)",
    )
    parser.add_argument(
        "--retry-loops",
        action=argparse.BooleanOptionalAction,
        default=_env_flag("TRANSLATOR_RETRY_LOOPS", True),
        help="translate an output that loops once more, forbidding repeated trigrams (default: on)",
    )


def _env_flag(name: str, default: bool) -> bool:
    """A yes/no variable read as the server reads it (pydantic's bool: 1/0, true/false, yes/no, on/off)."""
    value = os.environ.get(name)
    if value is None:
        return default
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(bool).validate_strings(value)
    except ValidationError:
        sys.stderr.write(f"translator: error: {name}={value!r} is not a yes/no value (1/0, true/false, on/off)\n")
        raise SystemExit(2) from None


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
        default=os.environ.get("TRANSLATOR_MEMORY"),
        help="translation memory file (default: memory.sqlite in the user cache folder)",
    )


def _config(args: argparse.Namespace) -> TranslatorConfig:
    return TranslatorConfig(
        model=args.model,
        revision=args.revision,
        backend=args.backend,
        device=args.device,
        decode=DecodeOptions(beam_size=args.beam),
        translate_english=args.translate_english,
        retry_loops=args.retry_loops,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
    try:
        if args.command == "translate":
            _translate(args, sys.stdout)
        elif args.command == "translate-file":
            _translate_file(args)
        elif args.command == "batch":
            return _batch(args)
        elif args.command == "memory":
            _memory(args, sys.stdout)
        elif args.command == "segment":
            _segment(_read(args.file), sys.stdout)
        elif args.command == "download":
            _download(args.model, args.revision)
        elif args.command == "serve":
            _serve(args.host, args.port)
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
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = "stdin" if name == "-" else name
        raise InputError(
            f"{where} is not UTF-8 text (byte {exc.start} is {data[exc.start : exc.start + 1]!r})"
        ) from exc


def _translate(args: argparse.Namespace, out: TextIO) -> None:
    from translator.pipeline import Translator

    text = _read(args.file)
    doc = Translator.from_config(_config(args)).translate_document(text, doc_id=args.id)
    _write(doc, args.format, out)


def _translate_file(args: argparse.Namespace) -> None:
    """The file translated into the same format (translator/files), written whole or not at all."""
    from translator import durable, files
    from translator.pipeline import Translator

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {args.file}: {exc.strerror or exc}") from exc
    try:  # the model is loaded only once the file has been read right
        english = files.translate_file(
            args.file.name, data, lambda t: Translator.from_config(_config(args)).translate(t)
        )
    except InputError as exc:
        raise InputError(f"{args.file}: {exc}") from None
    out = args.out or args.file.with_name(f"{args.file.stem}.en{args.file.suffix}")
    durable.replace(out, lambda sink: sink.write(english))
    log.warning("wrote %s", out)


def _open_memory(path: Path | None) -> TranslationMemory:
    if path is None:
        from platformdirs import user_cache_path

        path = user_cache_path("translator") / "memory.sqlite"
    return TranslationMemory(path)


def _batch(args: argparse.Namespace) -> int:
    """Exit 0 when every document was translated, 3 when some failed (they are listed in the manifest)."""
    from translator import archive
    from translator.formats import Fields
    from translator.pipeline import Translator

    config = _config(args)
    options = archive.JobOptions(
        inputs=args.inputs,
        out=args.out,
        exports=tuple(e.strip().lower() for e in args.export.split(",") if e.strip()),
        fields=Fields(id=args.id_field, text=args.text_field, title=args.title_field),
        restart=args.restart,
        max_document_bytes=args.max_document_bytes,
        config=config,
        engine=_engine(args),
    )

    def load() -> Translator:
        memory = None if args.no_memory else _open_memory(args.memory)
        return Translator.from_config(config, memory=memory)

    previous = signal.signal(signal.SIGTERM, _interrupt)  # kill, docker stop, systemd: stop as Ctrl-C does
    try:
        with _progress(args.quiet or not sys.stderr.isatty()) as report:
            result = archive.run(options, load, report)
    finally:
        signal.signal(signal.SIGTERM, previous)  # main(argv) may run inside a longer-lived process
    if result.already_complete:
        log.warning("nothing to do: %s holds this job, complete", args.out)
    if result.rebuilt:
        log.warning("wrote %s from the documents %s holds", ", ".join(result.rebuilt), args.out)
    log.warning("%d documents, %d failed; manifest: %s", result.documents, result.failed, result.manifest)
    return 3 if result.failed else 0


def _engine(args: argparse.Namespace) -> ChunkTranslation | None:
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
    return cluster.engine(options, args.out / cluster.RESULTS)


def _interrupt(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _progress(plain: bool) -> Iterator[Callable[[Progress], None]]:
    """A progress bar on stderr, or (`plain`: --quiet, or stderr not a terminal) a line every 30 seconds."""
    if plain:
        last = [time.monotonic()]

        def now_and_then(p: Progress) -> None:
            if time.monotonic() - last[0] >= 30:
                last[0] = time.monotonic()
                log.warning("%s", _progress_text(p))

        yield now_and_then
        return
    from tqdm import tqdm

    with tqdm(unit="B", unit_scale=True, file=sys.stderr, dynamic_ncols=True) as bar:

        def update(p: Progress) -> None:
            bar.total, bar.n = p.total, p.read
            bar.set_postfix_str(_progress_text(p, with_eta=False))

        yield update


def _progress_text(p: Progress, with_eta: bool = True) -> str:
    """The job's totals (over all its runs, as in its manifest); the rate and ETA of this run's work."""
    seconds = max(time.monotonic() - p.started, 1e-9)
    asked = p.memory_hits + p.model_sentences
    hits = f"{100 * p.memory_hits / asked:.0f}%" if asked else "-"
    rate = (p.sentences - p.resumed_sentences) / seconds
    text = f"{p.documents} documents ({p.failed} failed), {p.sentences} sentences, {rate:.1f}/s, memory hits {hits}"
    read = p.read - p.resumed_read
    if with_eta and p.total and read > 0:
        text += f", {100 * p.read / p.total:.0f}% of the input, ETA {seconds * (p.total - p.read) / read:.0f} s"
    return text


def _memory(args: argparse.Namespace, out: TextIO) -> None:
    memory = _open_memory(args.memory)
    try:
        if args.memory_command == "stats":
            stats = memory.stats()
            out.write(json.dumps({"path": str(stats.path), "entries": stats.entries, "models": stats.models}) + "\n")
        elif args.memory_command == "export":
            from translator.formats import tmx

            entries = enumerate(memory.entries())
            units = ((source, target, f"tm{i}", {"x-model": model}) for i, (source, target, model) in entries)
            written = durable.replace(args.tmx, lambda out: tmx.write_units(units, out, {}))
            log.warning("%d entries written to %s", written, args.tmx)
        elif args.memory_command == "clear":
            _confirm_clear(memory, args.yes)
            log.warning("%d entries deleted from %s", memory.clear(), memory.path)
    finally:
        memory.close()


def _confirm_clear(memory: TranslationMemory, yes: bool) -> None:
    """Deleting the memory is asked for on a terminal, and refused without --yes elsewhere (a pipe, a script)."""
    if yes:
        return
    entries = memory.stats().entries
    if not sys.stdin.isatty():
        raise RefusedError(f"memory clear would delete {entries} entries from {memory.path}; pass --yes to do so")
    sys.stderr.write(f"Delete {entries} entries from {memory.path}? [y/N] ")
    sys.stderr.flush()
    if sys.stdin.readline().strip().lower() not in ("y", "yes"):
        raise RefusedError("memory clear: nothing deleted")


def _write(doc: AlignedDocument, fmt: str, out: TextIO) -> None:
    if fmt == "text":
        out.write(doc.translation + "\n")
    elif fmt == "json":
        out.write(json.dumps(doc.to_dict(), ensure_ascii=False, indent=2) + "\n")
    elif fmt == "jsonl":
        for p in doc.paragraphs:
            for s in p.sentences:
                _json_line(out, {"doc": doc.id, "paragraph": p.index, **s.to_dict()})
    elif fmt == "tsv":
        for s in doc.sentences:
            out.write(tsv.row((s.id, s.source, s.target, ",".join(s.flags))))
    elif fmt == "html":
        out.write(page.document(doc, {}, index_link=False, inline=True))


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


def _serve(host: str, port: int) -> None:
    # Imported by name at run time: the core library does not depend on the api package; this edge does.
    server = importlib.import_module("api.server")
    server.serve(host, port)


def _configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(name)s: %(message)s", stream=sys.stderr)
    if verbosity == 0:
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
