"""Importing the library does no work, and options are validated when they are built."""

from __future__ import annotations

import subprocess
import sys

import pytest

from translator import ConfigError, DecodeOptions, TranslatorConfig


def test_import_loads_no_torch_and_no_transformers() -> None:
    code = (
        "import sys, translator, translator.cli\n"
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: DecodeOptions(beam_size=0), "beam_size"),
        (lambda: DecodeOptions(max_output_ratio=0), "max_output_ratio"),
        (lambda: TranslatorConfig(backend="onnx"), "backend must be one of"),  # type: ignore[arg-type]
        (lambda: TranslatorConfig(device="tpu"), "device must be one of"),  # type: ignore[arg-type]
        (lambda: TranslatorConfig(max_sentence_tokens=600), "max_sentence_tokens"),
        (lambda: TranslatorConfig(max_batch_tokens=10), "max_batch_tokens"),
    ],
)
def test_bad_options_are_config_errors(build: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build()  # type: ignore[operator]


def test_output_cap_grows_with_the_input() -> None:
    assert DecodeOptions().output_cap(10) == 30
    assert DecodeOptions(max_output_ratio=1.5, output_slack=4).output_cap(10) == 19
