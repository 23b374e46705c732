"""The notebooks' language: Vietnamese first, one visible switch, every view redrawn on a change.

Why: the people who open these notebooks read Vietnamese first, and a
researcher checks the English. A constant at the top of a notebook
(``LANG = "en"``) means nobody switches; a switch that changes only what
is drawn next leaves the page half in one language. So each notebook shows
:func:`language_switch` at the top, and every output that has words in it
is a *view* (:func:`bilingual`): a function of the language, drawn now in
the current one and drawn again, in place, whenever the switch changes.

The language starts as ``NAHY_LANG`` when set (the tests use it), else
Vietnamese. One kernel has one language: every switch shown is the same
widget, so they all move together.
"""

from __future__ import annotations

import base64
import os
import weakref
from collections.abc import Callable, Iterable
from typing import Any

from sim.presentation.i18n import DEFAULT_LANGUAGE, LANGUAGES, check_language

#: The switch's labels: each language named in itself.
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}

Render = Callable[[str], Any]


class Language:
    """The kernel's current language, the switch that sets it and the views that follow it."""

    def __init__(self, initial: str | None = None) -> None:
        self.value = check_language(initial or os.environ.get("NAHY_LANG") or DEFAULT_LANGUAGE)
        self._listeners: list[Callable[[str], None]] = []
        self._views: weakref.WeakKeyDictionary[Any, Render] = weakref.WeakKeyDictionary()
        self._switch: Any = None

    def switch(self) -> Any:
        """The toggle (``Tiếng Việt | English``); the same widget every time it is asked for."""
        if self._switch is None:
            import ipywidgets as widgets

            self._switch = widgets.ToggleButtons(
                options=[(LANGUAGE_NAMES[lang], lang) for lang in LANGUAGES],
                value=self.value,
                tooltips=["Hiển thị bằng tiếng Việt", "Show in English"],
                style={"button_width": "8em"},
            )
            self._switch.observe(lambda change: self.set(change["new"]), names="value")
        return self._switch

    def set(self, lang: str) -> None:
        """Change the language and redraw every view and relabel every control."""
        lang = check_language(lang)
        if lang == self.value:
            return
        self.value = lang
        if self._switch is not None and self._switch.value != lang:
            self._switch.value = lang
        for listener in list(self._listeners):
            listener(lang)
        for output, render in list(self._views.items()):
            _draw(output, render, lang)

    def on_change(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(lang)`` on every change (controls relabel themselves this way)."""
        self._listeners.append(listener)

    def view(self, render: Render) -> Any:
        """An output area showing ``render(lang)``, redrawn whenever the language changes.

        ``render`` returns what to show: one object or a list of them (a
        figure, a table, HTML); a string is shown as Markdown. It is called
        once now, outside the output area, so an error in it is the cell's
        error, not a message hidden inside a widget.
        """
        import ipywidgets as widgets

        output = widgets.Output()
        items = _items(render(self.value))
        show_in(output, items)
        self._views[output] = render
        return output


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def show_in(output: Any, items: Iterable[Any]) -> None:
    """Replace what an output area shows with ``items``, all at once (no flicker, no kernel needed).

    Each item is formatted as IPython would display it (a figure becomes
    ``image/png``, a table ``text/html``, a string Markdown), and the
    area's outputs are replaced in one assignment: the page never shows a
    half-drawn answer, and tests outside a kernel read the same outputs.
    """
    from IPython.core.formatters import format_display_data
    from IPython.display import Markdown

    outputs = []
    for item in items:
        data, metadata = format_display_data(Markdown(item) if isinstance(item, str) else item)
        # a kernel base64-encodes binary outputs on the wire; set directly, they must be already
        data = {
            mime: base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value
            for mime, value in data.items()
        }
        outputs.append({"output_type": "display_data", "data": data, "metadata": metadata})
    output.outputs = tuple(outputs)


def _draw(output: Any, render: Render, lang: str) -> None:
    show_in(output, _items(render(lang)))


#: The kernel's language (Vietnamese unless ``NAHY_LANG`` says otherwise).
LANGUAGE = Language()


def language_switch() -> Any:
    """The visible switch between Vietnamese and English, for the top of a notebook."""
    return LANGUAGE.switch()


def bilingual(render: Render) -> Any:
    """A view of ``render(lang)`` that follows the language switch (see :meth:`Language.view`)."""
    return LANGUAGE.view(render)


def current_language() -> str:
    """The language the views are drawn in now."""
    return LANGUAGE.value
