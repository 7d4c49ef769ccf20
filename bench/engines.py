"""The engine bake-off: every engine worth trying on the opus-mt-id-en-shaped random model (the real
configuration and tokenizer, bench/opus_shape.py), greedy and beam 4, in one run and one table.

For each engine, in a process of its own (so that its peak RSS is its own, and CTranslate2's environment
settings take effect):

- ms/token at batch 1: sentences decoded one at a time, unpadded, to their own cap (1.22 x input + 1; the
  random model never ends a sentence), at greedy and beam 4; at greedy also the floor's share of it (the
  memory floor of a step, bench/floor.py, over the engine's time a step: 1.00 would be the memory's speed);
- bulk sentences/s at the pipeline's batches (translator/batching.py: length bands of at most 64 sentences
  and 4,096 padded tokens, each input padded to its band's width, decoded to the band's cap), greedy over
  the first --bulk sentences and beam 4 over the first --bulk-beam;
- peak RSS of the process;
- batch invariance: of the fullest greedy bulk batch's first 16 sentences, how many come out otherwise when
  decoded alone at the same width (the guarantee of the archive-trust issue needs 0);
- agreement with the current engine (CTranslate2 int8, 2 workers x 1 thread): the tiny test model's 40
  memorised sentences at greedy and beam 4 (and how many of them are the memorised English), and how many of
  the bulk run's random-model outputs differ.

    python bench/engines.py                      # the whole table (about half an hour on 2 cores)
    python bench/engines.py --engines ct2-2x1,onnx-1 --bulk 100 --bulk-beam 32 --latency 5   # a quick look
    python bench/engines.py --setup-onnx         # once: the ONNX Runtime engine's own environment (below)

The ONNX Runtime engine is optimum's export of the Marian model with past key/values, dynamically quantized
to int8 (MatMulInteger) by optimum's quantizer. optimum-onnx 0.1.0 needs transformers < 4.58, and this
project runs 5.x, so that engine runs in a virtual environment of its own (~/.cache/translator-bench/
onnx-venv) that holds bench/requirements-onnx.txt and sees this one's packages behind them; without it the
ONNX rows say so and the rest of the table is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opus_shape import ENGLISH_RATIO, ROOT, SENTENCES, build, default_cache  # the sibling script

TINY = ROOT / "tests" / "fixtures" / "tiny-id-en"
CACHE = default_cache().parent
ONNX_VENV = CACHE / "onnx-venv"
REFERENCE = "ct2-2x1"


@dataclass(frozen=True)
class Engine:
    label: str
    kind: str  # ct2, onnx, torch-int8
    threads: tuple[int, int] = (1, 1)  # (workers, threads each) for ct2; (1, threads) for the others
    env: dict[str, str] = field(default_factory=dict)
    static_cache: bool = False


ENGINES = {
    "ct2-2x1": Engine("CTranslate2 int8, 2 workers x 1 thread (default)", "ct2", (2, 1)),
    "ct2-1x1": Engine("CTranslate2 int8, 1 worker x 1 thread", "ct2", (1, 1)),
    "ct2-1x2": Engine("CTranslate2 int8, 1 worker x 2 threads", "ct2", (1, 2)),
    "ct2-2x1-packed": Engine(
        "CTranslate2 int8, 2 x 1, packed GEMM", "ct2", (2, 1), {"CT2_USE_EXPERIMENTAL_PACKED_GEMM": "1"}
    ),
    "ct2-1x1-packed": Engine(
        "CTranslate2 int8, 1 x 1, packed GEMM", "ct2", (1, 1), {"CT2_USE_EXPERIMENTAL_PACKED_GEMM": "1"}
    ),
    "ct2-2x1-avx512": Engine(
        "CTranslate2 int8, 2 x 1, AVX-512 kernels", "ct2", (2, 1), {"CT2_FORCE_CPU_ISA": "AVX512"}
    ),
    "onnx-1": Engine("ONNX Runtime int8 (optimum), 1 thread", "onnx", (1, 1)),
    "onnx-2": Engine("ONNX Runtime int8 (optimum), 2 threads", "onnx", (1, 2)),
    "torch-1-static": Engine("torch dynamic int8, generate, static cache, 1 thread", "torch-int8", (1, 1), {}, True),
    "torch-2-static": Engine("torch dynamic int8, generate, static cache, 2 threads", "torch-int8", (1, 2), {}, True),
    "torch-2": Engine("torch dynamic int8, generate, dynamic cache, 2 threads", "torch-int8", (1, 2)),
}
# torch-2 (transformers' default dynamic cache) took 166 ms a token at batch 1 in a first run, ten times the
# static cache, and ten minutes for a small table: ask for it by name
DEFAULT_ENGINES = [name for name in ENGINES if name != "torch-2"]


# --- the ONNX export and its environment ------------------------------------------------------------------


def onnx_python() -> Path | None:
    python = ONNX_VENV / "bin" / "python"
    return python if python.is_file() else None


def setup_onnx() -> None:
    """A venv that holds bench/requirements-onnx.txt (no dependencies resolved: they would replace our
    transformers) in front of this interpreter's packages, so optimum runs on transformers 4.57."""
    subprocess.run([sys._base_executable, "-m", "venv", str(ONNX_VENV)], check=True)  # type: ignore[attr-defined]
    inner = subprocess.run(
        [str(ONNX_VENV / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(inner, "zz-project.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    requirements = Path(__file__).with_name("requirements-onnx.txt")
    pip = [str(ONNX_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps", "--ignore-installed"]
    subprocess.run([*pip, "-r", str(requirements)], check=True)
    print(ONNX_VENV)


def onnx_export(model: Path) -> Path:
    """optimum's export with past key/values, dynamically quantized to int8; cached by the model's revision."""
    from optimum.onnxruntime import ORTModelForSeq2SeqLM, ORTQuantizer
    from optimum.onnxruntime.configuration import AutoQuantizationConfig

    from translator.models import resolve

    out = CACHE / "onnx" / f"{model.name}-{resolve(str(model)).revision[:12]}"
    if (out / "int8" / "decoder_with_past_model_quantized.onnx").is_file():
        return out / "int8"
    ORTModelForSeq2SeqLM.from_pretrained(str(model), export=True).save_pretrained(out / "fp32")
    vnni = "avx512_vnni" in Path("/proc/cpuinfo").read_text()
    config = (AutoQuantizationConfig.avx512_vnni if vnni else AutoQuantizationConfig.avx2)(is_static=False)
    for part in sorted((out / "fp32").glob("*.onnx")):
        ORTQuantizer.from_pretrained(out / "fp32", file_name=part.name).quantize(
            save_dir=out / "int8", quantization_config=config
        )
    (out / "fp32" / "generation_config.json").replace(out / "int8" / "generation_config.json")
    return out / "int8"


# --- one engine, in its own process ------------------------------------------------------------------------


def load(engine: Engine, model: Path) -> Any:
    """The engine as a Backend of the pipeline (tokenize, translate a band's batch)."""
    from translator.models import resolve

    source = resolve(str(model))
    workers, threads = engine.threads
    if engine.kind == "ct2":
        from translator.backends.ct2 import CT2Backend

        return CT2Backend(source, "cpu", "int8", workers, threads)
    import torch

    from translator.backends.hf import HFBackend

    torch.set_num_threads(threads)
    if engine.kind == "torch-int8":
        from transformers import MarianMTModel

        marian = MarianMTModel.from_pretrained(str(model)).eval()
        quantized = torch.ao.quantization.quantize_dynamic(marian, {torch.nn.Linear}, dtype=torch.qint8)
        if engine.static_cache:
            quantized.generation_config.cache_implementation = "static"
        return HFBackend(source, "cpu", quantized, "torch-int8")
    import onnxruntime
    from optimum.onnxruntime import ORTModelForSeq2SeqLM

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    ort = ORTModelForSeq2SeqLM.from_pretrained(
        str(onnx_export(model)),
        encoder_file_name="encoder_model_quantized.onnx",
        decoder_file_name="decoder_model_quantized.onnx",
        decoder_with_past_file_name="decoder_with_past_model_quantized.onnx",
        session_options=options,
        use_cache=True,
    )
    return HFBackend(source, "cpu", ort, "onnx-int8")


def measure(engine: Engine, model: Path, args: dict[str, Any]) -> dict[str, Any]:
    from translator import batching
    from translator.config import DecodeOptions, TranslatorConfig

    result: dict[str, Any] = {}
    tiny = load(engine, TINY)
    pairs = [json.loads(line) for line in (TINY / "pairs.jsonl").read_text(encoding="utf-8").splitlines()]
    rows = tiny.tokenize([p["source"] for p in pairs])
    for beam in (1, 4):  # one sentence a call, at its own width, the memorised English's generous cap
        result[f"tiny{beam}"] = [tiny.translate([row], DecodeOptions(beam), len(row))[0].text for row in rows]
    del tiny

    backend = load(engine, model)
    pool = [s.strip() for s in SENTENCES.read_text(encoding="utf-8").splitlines() if s.strip()]
    bulk, idle = pool[: args["bulk"]], pool[-args["latency"] :]
    for beam, count in ((1, args["latency"]), (4, max(1, args["latency"] // 2))):
        decode = DecodeOptions(beam, ENGLISH_RATIO, 1)
        rows = backend.tokenize(idle[:count])
        backend.translate([rows[0]], decode, len(rows[0]))  # warm-up
        started = time.perf_counter()
        for row in rows:
            backend.translate([row], decode, len(row))
        steps = sum(decode.output_cap(len(row)) + 1 for row in rows)  # the random model decodes cap + 1
        result[f"ms_per_token{beam}"] = (time.perf_counter() - started) / steps * 1000
    config = TranslatorConfig()  # the pipeline's batches
    batch_limits = (config.max_batch_tokens, config.max_batch_sentences, config.max_sentence_tokens)
    for beam, sentences in ((1, bulk), (4, bulk[: args["bulk_beam"]])):
        decode = DecodeOptions(beam, ENGLISH_RATIO, 1)
        rows = backend.tokenize(sentences)
        batches = batching.token_batches([len(r) for r in rows], *batch_limits)
        texts = [""] * len(rows)
        started = time.perf_counter()
        for batch in batches:
            outputs = backend.translate([rows[i] for i in batch.indices], decode, batch.width)
            for i, output in zip(batch.indices, outputs, strict=True):
                texts[i] = output.text
        result[f"bulk{beam}"] = len(rows) / (time.perf_counter() - started)
        result[f"texts{beam}"] = texts
        if beam == 1:  # batch invariance: the fullest batch's first rows again, each alone at its width
            full = max(batches, key=lambda b: len(b.indices))
            again = [(i, backend.translate([rows[i]], decode, full.width)[0].text) for i in full.indices[:16]]
            result["variant"] = [sum(text != texts[i] for i, text in again), len(again)]
    status = Path("/proc/self/status").read_text().splitlines()
    result["peak_mb"] = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    result["name"] = backend.name
    return result


def child(python: str, *args: str, env: dict[str, str] | None = None) -> str | None:
    """Run this script in a process of its own; None when it succeeded, else its last line of errors."""
    env = {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT), "TRANSFORMERS_VERBOSITY": "error"}
    done = subprocess.run([python, __file__, *args], env=env, capture_output=True, text=True)
    return None if done.returncode == 0 else (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]


def prepare(model: Path) -> None:
    """Convert and export once, before anything is measured, so that no engine's peak RSS holds the work."""
    from translator.backends.ct2 import convert
    from translator.models import resolve

    for folder in (TINY, model):
        convert(resolve(str(folder)), "int8")
        if (python := onnx_python()) is not None and (error := child(str(python), "--export", str(folder))):
            raise SystemExit(f"the ONNX export of {folder} failed: {error}")


def worker(name: str, model: Path, args: dict[str, Any]) -> dict[str, Any]:
    """Run `measure` for engine `name` in a process of its own (the ONNX one in its venv)."""
    engine = ENGINES[name]
    python = sys.executable
    if engine.kind == "onnx":
        found = onnx_python()
        if found is None:
            return {"error": "no ONNX environment: run python bench/engines.py --setup-onnx once"}
        python = str(found)
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        error = child(
            python, "--worker", name, "--model", str(model), "--args", json.dumps(args), out.name, env=engine.env
        )
        if error is not None:
            return {"error": error}
        result: dict[str, Any] = json.loads(Path(out.name).read_text())
        return result


# --- the table -----------------------------------------------------------------------------------------------


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split(" ")[0]


def table(results: dict[str, dict[str, Any]], floor_ms: float, pairs: list[dict[str, str]]) -> None:
    reference = results.get(REFERENCE, {})
    head = (
        f"{'engine':<54}{'ms/tok':>7}{'floor':>6}{'ms/tok':>7}{'sent/s':>7}{'sent/s':>7}{'bulk':>6}"
        f"{'peak':>6}  {'tiny: = ct2, = memorised':<26}{'random':>8}{'alone':>7}"
    )
    print(head)
    sub = f"{'':<54}{'b1 g':>7}{'share':>6}{'b1 b4':>7}{'greedy':>7}{'beam4':>7}{'/ct2':>6}{'MB':>6}"
    print(sub + f"  {'greedy':<13}{'beam 4':<13}{'differ':>8}{'differ':>7}")
    for name, r in results.items():
        label = ENGINES[name].label
        if "error" in r:
            print(f"{label:<54}  not measured: {r['error']}")
            continue
        tiny = []
        for beam in (1, 4):
            same = sum(a == b for a, b in zip(r[f"tiny{beam}"], reference.get(f"tiny{beam}", []), strict=False))
            known = sum(a == p["target"] for a, p in zip(r[f"tiny{beam}"], pairs, strict=True))
            tiny.append(f"{same}/40, {known}/40")
        differ = sum(a != b for a, b in zip(r["texts1"], reference.get("texts1", []), strict=False))
        ratio = r["bulk1"] / reference["bulk1"] if "bulk1" in reference else float("nan")
        print(
            f"{label:<54}{r['ms_per_token1']:>7.2f}{floor_ms / r['ms_per_token1']:>6.2f}{r['ms_per_token4']:>7.2f}"
            f"{r['bulk1']:>7.2f}{r['bulk4']:>7.2f}{ratio:>6.2f}{r['peak_mb']:>6.0f}  {tiny[0]:<13}{tiny[1]:<13}"
            f"{differ:>4}/{len(r['texts1'])}{r['variant'][0]:>4}/{r['variant'][1]}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--engines", default=",".join(DEFAULT_ENGINES), help=f"comma-separated, from {','.join(ENGINES)}"
    )
    parser.add_argument("--latency", type=int, default=20, help="sentences timed one at a time (beam 4: half)")
    parser.add_argument("--bulk", type=int, default=1000, help="sentences in the greedy bulk run")
    parser.add_argument("--bulk-beam", type=int, default=128, help="of those, how many in the beam-4 bulk run")
    parser.add_argument("--rounds", type=int, default=1, help="rounds over all engines; each number is the best")
    parser.add_argument("--setup-onnx", action="store_true", help="make the ONNX Runtime engine's venv, then exit")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--export", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--model", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--args", help=argparse.SUPPRESS)
    parser.add_argument("out", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    if args.setup_onnx:
        setup_onnx()
        return
    if args.export:
        onnx_export(args.export)
        return
    if args.worker:
        args.out.write_text(json.dumps(measure(ENGINES[args.worker], args.model, json.loads(args.args))))
        return

    from floor import kernels, report, step_bytes  # the sibling script

    names = [n for n in args.engines.split(",") if n]
    if unknown := set(names) - set(ENGINES):
        parser.error(f"unknown engines: {', '.join(sorted(unknown))}")
    names = sorted(names, key=lambda n: n != REFERENCE)  # the reference first: the others are compared to it
    model = build(default_cache())
    prepare(model)
    settings = {"latency": args.latency, "bulk": args.bulk, "bulk_beam": args.bulk_beam}
    started, load_before = time.perf_counter(), load_average()
    rates = kernels()
    results: dict[str, dict[str, Any]] = {}
    for _ in range(args.rounds):
        for name in names:
            r = worker(name, model, settings)
            best = results.setdefault(name, r)
            if "error" not in r and "error" not in best:  # the best of the rounds, number by number
                for key in ("ms_per_token1", "ms_per_token4"):
                    best[key] = min(best[key], r[key])
                for key in ("bulk1", "bulk4"):
                    best[key] = max(best[key], r[key])
    pairs = [json.loads(line) for line in (TINY / "pairs.jsonl").read_text(encoding="utf-8").splitlines()]
    print(
        f"engine bake-off, {os.cpu_count()} cores, model {model.name} (opus-mt-id-en's configuration and "
        f"tokenizer, random weights); caps {ENGLISH_RATIO} x input + 1; {args.rounds} round(s), "
        f"{(time.perf_counter() - started) / 60:.0f} min; load average {load_before} before, {load_average()} after"
    )
    floor_ms = report(rates, step_bytes(model), indent="  ")
    print(
        f"b1 g / b1 b4: ms per output token at batch 1, greedy / beam 4 ({args.latency} / "
        f"{max(1, args.latency // 2)} sentences); floor share: the floor over b1 g; sent/s at the pipeline's "
        f"batches ({args.bulk} sentences greedy, {min(args.bulk, args.bulk_beam)} beam 4); bulk/ct2: greedy "
        f"over the default's; tiny: of the 40 memorised sentences, the same as the default / the memorised "
        f"English; random differ: greedy bulk outputs unlike the default's; alone differ: sentences of a batch "
        f"that come out otherwise decoded alone (batch invariance)"
    )
    table(results, floor_ms, pairs)


if __name__ == "__main__":
    main()
