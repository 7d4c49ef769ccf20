"""The `translator` command: parse arguments, call the library, write results, map errors to exit codes.

A Unix filter: FILE or `-` or nothing (stdin) in, stdout out, logs and progress on stderr.
Exit codes: 0 done, 1 an error of the library (one line on stderr), 2 a usage error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from translator import segment
from translator._version import __version__
from translator.config import BACKENDS, DEFAULT_MODEL, DEVICES, DecodeOptions, TranslatorConfig
from translator.errors import InputError, TranslatorError
from translator.types import AlignedDocument

log = logging.getLogger("translator")
FORMATS = ("text", "json", "jsonl", "tsv")


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
    translate.add_argument("--format", choices=FORMATS, default="text", help="text (default), json, jsonl, tsv")
    translate.add_argument("--id", default="doc", help="document id in json/jsonl output")
    translate.add_argument(
        "--model", default=env.get("TRANSLATOR_MODEL", DEFAULT_MODEL), help="hub id or local Marian directory"
    )
    translate.add_argument("--revision", default=env.get("TRANSLATOR_REVISION"), help="hub revision to pin")
    translate.add_argument("--backend", choices=BACKENDS, default=env.get("TRANSLATOR_BACKEND", "auto"))
    translate.add_argument("--device", choices=DEVICES, default=env.get("TRANSLATOR_DEVICE", "auto"))
    translate.add_argument("--beam", type=int, default=env.get("TRANSLATOR_BEAM", "4"), help="beam size")

    seg = commands.add_parser("segment", help="split text into sentences: JSON Lines with offsets")
    seg.add_argument("file", nargs="?", default="-", help="UTF-8 text; - or nothing for stdin")

    download = commands.add_parser("download", help="put a model into the Hugging Face cache")
    download.add_argument("model", nargs="?", default=env.get("TRANSLATOR_MODEL", DEFAULT_MODEL))
    download.add_argument("--revision", default=env.get("TRANSLATOR_REVISION"))

    serve = commands.add_parser("serve", help="run the HTTP service (configured by TRANSLATOR_* variables)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
    try:
        if args.command == "translate":
            _translate(args, sys.stdout)
        elif args.command == "segment":
            _segment(_read(args.file), sys.stdout)
        elif args.command == "download":
            _download(args.model, args.revision)
        elif args.command == "serve":
            _serve(args.host, args.port)
    except TranslatorError as exc:
        sys.stderr.write(f"translator: error: {exc}\n")
        return 1
    except KeyboardInterrupt:
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
    config = TranslatorConfig(
        model=args.model,
        revision=args.revision,
        backend=args.backend,
        device=args.device,
        decode=DecodeOptions(beam_size=args.beam),
    )
    doc = Translator.from_config(config).translate_document(text, doc_id=args.id)
    _write(doc, args.format, out)


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
            out.write("\t".join(_tsv_field(f) for f in (s.id, s.source, s.target, ",".join(s.flags))) + "\n")


def _tsv_field(value: str) -> str:
    """Backslash escapes keep one pair on one line and every character recoverable."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _segment(text: str, out: TextIO) -> None:
    for p in segment(text):
        for s in p.sentences:
            _json_line(out, {"paragraph": p.index, "start": s.start, "end": s.end, "text": s.source})


def _json_line(out: TextIO, record: dict[str, Any]) -> None:
    out.write(json.dumps(record, ensure_ascii=False) + "\n")


def _download(model: str, revision: str | None) -> None:
    from translator.models import fetch

    source = fetch(model, revision)
    log.warning("%s (revision %s) is in the Hugging Face cache", source.name, source.revision)
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
