"""The ``briefing`` command (registered with :func:`sim.cli.main.command`).

``python -m sim briefing RESULTS_DIR... --lang vi|en --out DIR`` reads stored
results (run folders, a forecast folder, a comparison or cost-of-delay
folder, or the folder given to ``sim run --out``: its complete runs, the
latest of each scenario), never runs the model, and writes every figure (PNG
300 dpi, SVG, PDF), the one-page summary (``summary.md``) and the PDF to
print (``briefing.pdf``) in the chosen language. Which run it took, when a
folder holds several of one scenario, is said on stderr.
"""

from __future__ import annotations

import argparse
import sys

from sim.cli.common import command
from sim.presentation.i18n import DEFAULT_LANGUAGE, LANGUAGES


def _configure_briefing(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "results",
        nargs="+",
        metavar="RESULTS_DIR",
        help="stored results: an ensemble's run folder, a forecast folder (results/forecast), "
        "a comparison folder, a cost-of-delay folder, or the folder given to `sim run --out` "
        "(its complete runs, the latest of each scenario, the baseline first); the first "
        "scenario is the reference",
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=DEFAULT_LANGUAGE,
        help=f"language of every word on the figures and summary (default {DEFAULT_LANGUAGE})",
    )
    parser.add_argument(
        "--out", default="results/briefing", help="folder to write (default results/briefing)"
    )


@command(
    "briefing",
    help="write the committee briefing (figures, a one-page summary, a PDF) from stored results",
    configure=_configure_briefing,
)
def briefing_command(args: argparse.Namespace) -> int:
    """Load RESULTS_DIR..., write the briefing to ``--out``, print what was written."""
    from sim.presentation.briefing import load_inputs, write_briefing

    inputs = load_inputs(args.results)
    for note in inputs.notes:
        print(note, file=sys.stderr)
    briefing = write_briefing(inputs.results, args.out, args.lang, delay=inputs.delay)
    for sentence in briefing.sentences:
        print(sentence)
    if briefing.parameters:
        print(briefing.parameters)
    print()
    files = sum(len(paths) for paths in briefing.figures.values())
    print(
        f"Briefing ({args.lang}): {len(briefing.figures)} figures ({files} files), "
        f"{briefing.pdf.name} and {briefing.summary_md.name} in {briefing.folder}"
    )
    return 0
