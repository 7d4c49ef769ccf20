"""Indonesian→English translation: Indonesian-aware segmentation, batched MarianMT, aligned bilingual output.

Importing this package loads no model and no torch; `Translator.load` does.
"""

from translator._version import __version__
from translator.config import DecodeOptions, TranslatorConfig
from translator.errors import (
    BackendError,
    ConfigError,
    InputError,
    ModelNotFoundError,
    TranslatorError,
)
from translator.pipeline import Translator
from translator.segment import segment
from translator.types import AlignedDocument, Paragraph, Provenance, Sentence, Translation

__all__ = [
    "AlignedDocument",
    "BackendError",
    "ConfigError",
    "DecodeOptions",
    "InputError",
    "ModelNotFoundError",
    "Paragraph",
    "Provenance",
    "Sentence",
    "Translation",
    "Translator",
    "TranslatorConfig",
    "TranslatorError",
    "__version__",
    "segment",
]
