"""An archive job's progress on stderr, as `translator batch` shows it: a bar over the input bytes on a terminal,
else a plain line every 30 seconds (never a carriage return)."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterator

from translator.archive import Progress

log = logging.getLogger("translator")


@contextlib.contextmanager
def shown(plain: bool) -> Iterator[Callable[[Progress], None]]:
    """A progress bar on stderr, or (`plain`: --quiet, or stderr not a terminal) a line every 30 seconds."""
    if plain:
        last = [time.monotonic()]

        def now_and_then(p: Progress) -> None:
            if time.monotonic() - last[0] >= 30:
                last[0] = time.monotonic()
                log.warning("%s", described(p))

        yield now_and_then
        return
    from tqdm import tqdm

    with tqdm(unit="B", unit_scale=True, file=sys.stderr, dynamic_ncols=True) as bar:

        def update(p: Progress) -> None:
            bar.total, bar.n = p.total, p.read
            bar.set_postfix_str(described(p, with_eta=False))

        yield update


def described(p: Progress, with_eta: bool = True) -> str:
    """The job's totals (over all its runs, as in its manifest); the rate and ETA of this run's work."""
    seconds = max(time.monotonic() - p.started, 1e-9)
    asked = p.memory_hits + p.model_sentences
    hits = f"{100 * p.memory_hits / asked:.0f}%" if asked else "-"
    rate = (p.sentences - p.resumed_sentences) / seconds
    text = f"{p.documents} documents ({p.failed} failed), {p.sentences} sentences, {rate:.1f}/s, memory hits {hits}"
    read = p.read - p.resumed_read
    if with_eta and p.total and read > 0:
        text += f", {100 * p.read / p.total:.0f}% of the input, ETA {seconds * (p.total - p.read) / read:.0f} s"
    return text
