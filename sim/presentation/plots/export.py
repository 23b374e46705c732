"""Writing figures: PNG (300 dpi), SVG and PDF, each carrying its provenance, written atomically.

Why: a figure pasted into a committee's slides travels without the folder it
came from, so the file itself must say where its numbers came from (as
Covasim's ``savefig`` does): the scenarios, replications, seeds, package
version, git commit, run folders and date go into each format's own metadata
(PNG text chunks, SVG Dublin Core, PDF document information), and the same
words are on the figure's source line. Files are written under a temporary
name and renamed into place, so a briefing folder never holds a half-written
figure that a slide deck could pick up.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from sim.presentation.plots.style import DPI, house_style, release

#: The formats every figure is exported in.
FORMATS = ("png", "svg", "pdf")

CREATOR = "nahy-sim (sim.presentation.plots)"


def provenance_text(provenance: dict[str, Any], ascii_only: bool = False) -> str:
    """The provenance as one line of sorted JSON (what every format's metadata holds)."""
    return json.dumps(provenance, sort_keys=True, ensure_ascii=ascii_only, default=str)


def metadata_for(fmt: str, title: str, provenance: dict[str, Any]) -> dict[str, Any]:
    """The metadata matplotlib writes for ``fmt``, each format in its own vocabulary."""
    text = provenance_text(provenance)
    created = _created(provenance)
    scenarios = [s["scenario"] for s in provenance.get("scenarios", [])]
    if fmt == "png":
        return {
            "Title": title,
            "Description": provenance.get("source_line", ""),
            "Software": CREATOR,
            "Creation Time": created.isoformat(timespec="seconds"),
            "Provenance": text,
        }
    if fmt == "svg":
        return {
            "Title": title,
            "Description": text,
            "Source": provenance.get("source_line", ""),
            "Creator": CREATOR,
            "Date": created.isoformat(timespec="seconds"),
            "Keywords": ["nahy-sim", *scenarios],
        }
    if fmt == "pdf":
        return {
            "Title": title,
            "Subject": provenance.get("source_line", ""),
            # ASCII JSON: PDF strings with other characters are stored as UTF-16
            "Keywords": provenance_text(provenance, ascii_only=True),
            "Creator": CREATOR,
            "CreationDate": created,
            "ModDate": created,
        }
    raise ValueError(f"unknown format {fmt!r} (choose one of {', '.join(FORMATS)})")


def _created(provenance: dict[str, Any]) -> datetime:
    """The figure's date: the provenance's ``made`` time (so re-exports are identical), else now."""
    made = provenance.get("made")
    if made:
        when = datetime.fromisoformat(str(made))
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    return datetime.now(UTC).replace(microsecond=0)


def save_figure(
    figure: Figure,
    folder: str | Path,
    name: str,
    provenance: dict[str, Any],
    formats: tuple[str, ...] = FORMATS,
    title: str | None = None,
    dpi: int = DPI,
    close: bool = True,
) -> list[Path]:
    """Write ``folder/name.<fmt>`` for each format, atomically, with provenance metadata.

    ``dpi`` sets the PNG's resolution (300 for briefings; tests use less).
    Once written the figure is closed in pyplot, if pyplot knows it (a script
    exporting many figures then piles none up; the figure object stays
    usable: it can be written again or shown in Jupyter); pass
    ``close=False`` to keep it for a later ``plt.show()``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    title = title or provenance.get("title") or name
    written = []
    with house_style():
        _freeze_layout(figure)
        for fmt in formats:
            path = folder / f"{name}.{fmt}"
            tmp = folder / f".tmp-{os.getpid()}-{uuid.uuid4().hex}-{path.name}"
            try:
                figure.savefig(
                    tmp, format=fmt, dpi=dpi, metadata=metadata_for(fmt, title, provenance)
                )
                os.replace(tmp, path)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
            written.append(path)
    if close:
        release(figure)
    return written


def _freeze_layout(figure: Figure) -> None:
    """Lay the figure out once, then keep that layout for every format.

    The constrained layout would otherwise be solved again for each file
    (several draws each); its result is in figure coordinates, so it holds
    for every format and resolution.
    """
    engine = figure.get_layout_engine()
    if engine is None or not hasattr(engine, "execute"):
        return
    if type(engine).__name__ == "PlaceHolderLayoutEngine":
        return
    figure.draw_without_rendering()
    figure.set_layout_engine("none")
