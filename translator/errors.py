"""The one error tree of the library; api/errors.py maps it to HTTP statuses and cli.py to exit codes."""

from __future__ import annotations


class TranslatorError(Exception):
    """Base of every error the library raises on purpose; its message is one sentence for a person."""


class InputError(TranslatorError):
    """The input cannot be read or used (undecodable bytes, wrong type, unreadable file)."""


class ConfigError(TranslatorError):
    """An option has a value the library cannot use."""


class ModelNotFoundError(TranslatorError):
    """The model is neither a local directory nor in the Hugging Face cache, and cannot be downloaded."""


class BackendError(TranslatorError):
    """A backend is not installed, cannot load the model, or failed while translating."""


class ArchiveError(TranslatorError):
    """An archive job cannot start or go on (an output folder made with other options, say)."""


class RefusedError(ArchiveError):
    """An archive job refused before doing any work: a usage problem, or its output folder holds another
    job or is in use by one."""


class OutputError(TranslatorError):
    """An output file cannot be written: a full disk, a read-only folder, a file-size limit."""
