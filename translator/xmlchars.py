"""Characters XML 1.0 cannot hold become U+FFFD, and the writer records which ones it replaced where.

Hand-written: lxml refuses such text outright, and no library replaces and reports them.
"""

from __future__ import annotations

import re

# Everything outside XML 1.0's Char production: C0 controls other than tab/LF/CR, lone surrogates, U+FFFE/U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def unfit(text: str) -> str | None:
    """The first character of `text` that XML 1.0 cannot hold (nor PostgreSQL, for NUL), as U+XXXX; or None."""
    found = _NOT_XML.search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


class Replacements:
    """Cleans the fields of one unit (or header) and remembers what it replaced in each."""

    def __init__(self) -> None:
        self.found: dict[str, list[str]] = {}

    def clean(self, where: str, text: str) -> str:
        """`text` with every character XML cannot hold replaced by U+FFFD, noted under `where`."""
        bad = _NOT_XML.findall(text)
        if not bad:
            return text
        self.found.setdefault(where, []).extend(f"U+{ord(c):04X}" for c in bad)
        return _NOT_XML.sub("\ufffd", text)

    def report(self) -> str:
        """What was replaced, e.g. "source U+0001 U+000C; target U+001B"; empty when nothing was."""
        return "; ".join(f"{where} {' '.join(codes)}" for where, codes in self.found.items())
