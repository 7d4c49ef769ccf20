"""The HTTP service: a thin FastAPI edge over translator.Translator."""
