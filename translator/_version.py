"""The package version, in one place for pyproject.toml and provenance."""

__version__ = "0.3.0"
