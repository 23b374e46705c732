"""A progress bar with an ETA for long ensembles: a widget in Jupyter, text in a terminal.

Why its own module: the ensemble code only says "n more runs are done"; how
that is shown (tqdm, notebook-aware through ``tqdm.auto``, on stderr so that
the headline on stdout stays clean) or not shown (``quiet``) is decided here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any


class _Silent:
    """Stands in for a progress bar when nothing must be printed."""

    def update(self, n: int = 1) -> None:
        """Ignore progress."""

    def close(self) -> None:
        """Nothing to close."""


def progress_bar(total: int, done: int = 0, description: str = "", quiet: bool = False) -> Any:
    """A bar over ``total`` runs, ``done`` of them already finished; silent when ``quiet``."""
    if quiet or total <= done:
        return _Silent()
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        initial=done,
        desc=description,
        unit="run",
        dynamic_ncols=True,
        smoothing=0.1,
        leave=True,
    )


def stderr_log(quiet: bool = False) -> Callable[[str], None]:
    """A progress message printer for long commands: one line on stderr each, none when quiet."""

    def log(message: str) -> None:
        if not quiet:
            print(message, file=sys.stderr, flush=True)

    return log
