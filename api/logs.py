"""What the server's log may hold: access lines without query values (keys and texts travel there) or the
segments of a path that are a capability (a download URL's id is its key, and its name the upload's), and
at most one line a minute for each warning a flood of clients repeats (out of descriptors, over the
connection cap). Logging filters, since uvicorn and asyncio offer no such options.
"""

from __future__ import annotations

import copy
import logging
import re
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

from uvicorn.config import LOGGING_CONFIG

THROTTLED = (
    "socket.accept() out of system resource",  # asyncio, at each accept while descriptors run out
    "Exception in callback BaseSelectorEventLoop._start_serving",  # asyncio, its accept retries at exit
    "Exceeded concurrency limit.",  # uvicorn, at each request over TRANSLATOR_MAX_CONNECTIONS
)


# Folders whose every segment is a capability: LibreTranslate's download URLs, /download_file/{job_id}/{filename}
# (api/routes/libretranslate.py). Near misses too (a slash added or doubled, a segment lost, other case): a
# mistyped URL still holds the id.
CAPABILITIES = ("download_file",)
_CAPABILITY = re.compile(r"^(/+)(" + "|".join(map(re.escape, CAPABILITIES)) + r")(/.*)$", re.IGNORECASE)


def redacted(path: str) -> str:
    """`path?query` with every query value and every capability segment replaced by `...`, so names stay
    readable."""
    base, sep, query = path.partition("?")
    if capability := _CAPABILITY.match(base):
        base = f"/{capability[2]}/" + "/".join("..." for _ in capability[3][1:].split("/"))
    if not sep:
        return base
    names = [(name, "...") for name, _ in parse_qsl(query, keep_blank_values=True)]
    return f"{base}?{urlencode(names, safe='.')}"


class RedactQuery(logging.Filter):
    """For uvicorn's access log, whose arguments are (client, method, path?query, http version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (*args[:2], redacted(args[2]), *args[3:])
        return True


class Throttle(logging.Filter):
    """Lets each message of THROTTLED through once per `interval_s`, telling how many were dropped."""

    def __init__(self, interval_s: float = 60.0) -> None:
        super().__init__()
        self.interval_s = interval_s
        self.last: dict[str, float] = {}
        self.dropped: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = next((message for message in THROTTLED if str(record.msg).startswith(message)), None)
        if key is None:
            return True
        now = time.monotonic()
        if now - self.last.get(key, -self.interval_s) < self.interval_s:
            self.dropped[key] = self.dropped.get(key, 0) + 1
            return False
        self.last[key] = now
        if dropped := self.dropped.pop(key, 0):
            record.msg = f"({dropped} more in the last {self.interval_s:g} s not logged) {record.msg}"
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with these filters on its loggers and asyncio's."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": RedactQuery}, "throttle": {"()": Throttle}}
    config["loggers"]["uvicorn.access"]["filters"] = ["redact"]
    config["loggers"]["uvicorn.error"]["filters"] = ["throttle"]
    config["loggers"]["asyncio"] = {"filters": ["throttle"]}
    return config
