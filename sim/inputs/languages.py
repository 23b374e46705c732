"""The languages the toolkit speaks: the briefing's wording and a commune's measure labels.

In a module of its own because both the presentation layer (:mod:`sim.presentation.i18n`)
and the commune's data (:mod:`sim.inputs.measures`, whose labels must exist in every
one of them) need the list, and the data must not load the presentation.
"""

from __future__ import annotations

#: The languages, the briefing's default first.
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
