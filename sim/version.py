"""The package's version, in a module of its own.

Why not in ``sim/__init__.py`` alone: every result records the version that
made it (:func:`sim.inputs.provenance.package_version`), and a module deep in the
model asking ``sim`` for it would import the whole public API, and through it
itself: an import cycle. This module imports nothing of the package.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nahy-sim")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0.3.0"
