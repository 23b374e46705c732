"""``python -m sim``: the command line (see :mod:`sim.cli`)."""

from sim.cli import main

raise SystemExit(main())
