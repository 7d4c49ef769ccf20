"""Where a model's files come from: a local Marian directory, or a hub id through the ordinary HF cache.

huggingface_hub honours HF_HOME and HF_HUB_OFFLINE itself; this module turns its failures into one
sentence that names the fix.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from translator.errors import ModelNotFoundError

# The files a Marian model needs; the hub repos also hold TensorFlow/Flax/Rust weights we never load.
_IGNORE = ["*.h5", "*.msgpack", "*.ot", "rust_model*", "tf_model*", "flax_model*", "*.onnx"]
_FIX = (
    "run `translator download {model}` where the hub is reachable, "
    "or set TRANSLATOR_MODEL (or --model) to a local Marian directory"
)


@dataclass(frozen=True)
class ModelSource:
    """A resolved model: its name and revision for provenance, and the directory that holds its files."""

    name: str
    revision: str
    path: Path

    def converted(self, kind: str) -> Path:
        """Where a conversion of this model (kind "ct2-int8", say) is cached: beside the model, keyed by revision.

        In the HF cache that is models--org--name/converted/; beside a local directory D, D.converted/.
        """
        key = f"{self.revision.replace(':', '-')[:24]}-{kind}"
        if self.path.parent.name == "snapshots":
            return self.path.parent.parent / "converted" / key
        return self.path.parent / f"{self.path.name}.converted" / key


def resolve(model: str, revision: str | None = None, *, download: bool = True) -> ModelSource:
    """Find `model` locally or in the HF cache; fetch it from the hub when `download` and not cached."""
    local = Path(model).expanduser()
    if local.is_dir():
        if not (local / "config.json").is_file():
            raise ModelNotFoundError(f"{model} is a directory but holds no config.json, so it is not a model")
        return ModelSource(name=local.name, revision=_content_hash(local), path=local)
    if model.startswith((".", "/", "~")) or model.count("/") > 1:
        raise ModelNotFoundError(f"model directory {model} does not exist")
    try:
        return _from_cache(model, revision)
    except ModelNotFoundError:
        if not download:
            raise
    return fetch(model, revision)


def fetch(model: str, revision: str | None = None) -> ModelSource:
    """Download `model` into the HF cache (a no-op when it is there already)."""
    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import (
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    try:
        path = Path(snapshot_download(model, revision=revision, ignore_patterns=_IGNORE))
    except RepositoryNotFoundError as exc:
        raise ModelNotFoundError(f"there is no model {model!r} on the hub (or it is private)") from exc
    except RevisionNotFoundError as exc:
        raise ModelNotFoundError(f"model {model!r} has no revision {revision!r}") from exc
    except (LocalEntryNotFoundError, HfHubHTTPError, OSError) as exc:
        raise ModelNotFoundError(
            f"model {model!r} is not in the Hugging Face cache ({constants.HF_HUB_CACHE}) and the hub "
            f"cannot be reached: {_FIX.format(model=model)}"
        ) from exc
    return ModelSource(name=model, revision=path.name, path=path)


def _from_cache(model: str, revision: str | None) -> ModelSource:
    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        path = Path(snapshot_download(model, revision=revision, local_files_only=True, ignore_patterns=_IGNORE))
    except (LocalEntryNotFoundError, OSError) as exc:
        raise ModelNotFoundError(
            f"model {model!r} is not in the Hugging Face cache ({constants.HF_HUB_CACHE}): {_FIX.format(model=model)}"
        ) from exc
    return ModelSource(name=model, revision=path.name, path=path)


def _content_hash(directory: Path) -> str:
    """A local model's revision: the hash of its files, so that provenance changes when the model does."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.iterdir() if p.is_file()):
        digest.update(path.name.encode())
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    return "sha256:" + digest.hexdigest()[:16]
