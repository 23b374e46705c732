"""Input problems, reported all at once and one line each.

A researcher who edits a data folder or a scenario file wants to see every
mistake in one go, each pointing at the file, the field and the bad value, so
loading collects :class:`Problem` records and raises one :class:`InputError`
carrying all of them instead of stopping at the first.

:class:`Checker` holds the checks that TOML tables and plain dicts share
(commune.toml, scenario files, scenarios built in notebooks), so that every
loader words the same mistake the same way.
"""

from __future__ import annotations

import difflib
import math
import numbers
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input field.

    ``file`` is the path as the user gave it (or relative to it), ``field`` a
    dotted path inside the file (``interventions[0].start``,
    ``row 3:poor_share``) and ``message`` says what the bad value is and what
    is allowed.
    """

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return one_line(f"{self.file}: {self.field}: {self.message}")


#: What ``str.splitlines`` breaks a line at, escaped as Python writes it (``\\n``).
_LINE_BREAKS = {c: repr(c)[1:-1] for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}


def one_line(text: str) -> str:
    """``text`` with every line break escaped, so that one problem stays one line.

    Fields and messages quote what the file has (a column name, a TOML key),
    and a quoted name may hold a line break; printed raw it would split the
    problem in two and break "one line per problem" for tools that read it.
    """
    return text.translate(str.maketrans(_LINE_BREAKS))


class InputError(Exception):
    """Raised when a commune folder or a scenario has one or more problems.

    ``str(error)`` is one line per problem, so a command line or a notebook can
    show it as is.
    """

    problems: list[Problem]

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


# -- wording shared by every loader ------------------------------------------


def did_you_mean(name: str, options: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest option, or ``""``.

    A typo in a key or a name is the commonest input mistake; naming the
    intended spelling saves a trip to the documentation.
    """
    close = difflib.get_close_matches(str(name), list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def listing(names: Iterable[str], most: int = 20) -> str:
    """``"a, b, c"``, or the first ``most`` names and ``"... (N more)"``.

    A message that lists the known ids helps with ten villages and buries the
    problem under thousands: it must stay one readable line.
    """
    names = list(names)
    if len(names) <= most:
        return ", ".join(names)
    return f"{', '.join(names[:most])}, ... ({len(names) - most} more)"


def show(value: Any) -> str:
    """Render a bad value for a message: text quoted, numbers as written."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):  # numpy's too, without its np.float64(...) repr
        return repr(float(value))
    return str(value)


def domain_message(value: float, kind: str, written: str | None = None) -> str | None:
    """Why ``value`` is not allowed for ``kind``, or ``None`` if it is.

    Probabilities lie in [0, 1]; every other kind (rates, durations, ages,
    counts, multipliers) must be >= 0; ``"number"`` allows anything finite.
    ``written`` is the value as the file has it, shown instead of ``value``.
    """
    shown = written if written is not None else show(value)
    if kind == "probability":
        if 0.0 <= value <= 1.0:
            return None
        return f"{shown} is outside [0, 1] (probability: allowed 0 to 1)"
    if kind == "number" or value >= 0:
        return None
    return f"{shown} is negative ({kind}: allowed >= 0)"


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def parse_number(raw: str) -> float | None:
    """Parse a plain decimal number, or return ``None``.

    Stricter than ``float()``: no ``nan``, ``inf``, ``1_000`` or ``1,5``, which
    a spreadsheet or a typo can produce and which must not pass as numbers.
    """
    text = raw.strip()
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def parse_date(value: Any) -> date | None:
    """A ``date`` from a TOML date, a ``date``/midnight ``datetime`` or an ISO string."""
    if isinstance(value, datetime):
        if value.tzinfo is None and value.time() == time(0, 0):
            return value.date()
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def is_number(value: Any) -> bool:
    """True for finite ints and floats (numpy's too), but not for booleans."""
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


_BOM = b"\xef\xbb\xbf"


def read_text(path: Path, problems: list[Problem], missing: str = "missing") -> str | None:
    """The file's text, or ``None`` after reporting it missing or not UTF-8.

    The byte offset of the first bad byte is reported because a stray Latin-1
    or Windows-1258 character is invisible in most editors. A byte-order mark
    (as spreadsheets write) is accepted and dropped.
    """
    file = str(path)
    if not path.exists():
        problems.append(Problem(file, "(file)", missing))
        return None
    if not path.is_file():
        problems.append(Problem(file, "(file)", "is not a file"))
        return None
    data = path.read_bytes()
    skip = len(_BOM) if data.startswith(_BOM) else 0
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = skip + error.start
        line = data.count(b"\n", 0, offset) + 1
        problems.append(
            Problem(
                file,
                "(encoding)",
                f"not UTF-8: byte 0x{data[offset]:02x} at byte offset {offset} (line {line}); "
                "save the file as UTF-8",
            )
        )
        return None


class Checker:
    """Collects the problems of one file and checks the values of its tables.

    Each getter returns the checked value, or ``None`` when the key is missing
    or the value is bad (after recording why), so a loader can go on checking
    everything else and report all problems at once.
    """

    def __init__(self, file: str, problems: list[Problem] | None = None) -> None:
        self.file = file
        self.problems: list[Problem] = [] if problems is None else problems

    def add(self, field: str, message: str) -> None:
        """Record one problem in this file."""
        self.problems.append(Problem(self.file, field, message))

    def keys(
        self,
        table: Mapping[str, Any],
        prefix: str,
        allowed: Iterable[str],
        required: Iterable[str] = (),
    ) -> None:
        """Report unknown keys (a typo must not pass silently) and missing ones."""
        allowed = list(allowed)
        for key in table:
            if key not in allowed:
                self.add(
                    _join(prefix, key),
                    f"unknown key{did_you_mean(key, allowed)}; allowed: {', '.join(allowed)}",
                )
        for key in required:
            if key not in table:
                self.add(_join(prefix, key), "missing (required)")

    def table(self, data: Mapping[str, Any], key: str, prefix: str = "") -> dict | None:
        """A sub-table; ``None`` (with a problem) if missing or not a table."""
        field = _join(prefix, key)
        if key not in data:
            self.add(field, "missing (required table)")
            return None
        value = data[key]
        if not isinstance(value, Mapping):
            self.add(field, f"{show(value)} is not a table (expected [{field}])")
            return None
        return dict(value)

    def text(
        self,
        data: Mapping[str, Any],
        key: str,
        prefix: str = "",
        *,
        required: bool = True,
        pattern: str | None = None,
        pattern_help: str = "",
    ) -> str | None:
        """A non-empty string, optionally matching ``pattern``."""
        field = _join(prefix, key)
        if key not in data:
            if required:
                self.add(field, "missing (required)")
            return None
        value = data[key]
        if not isinstance(value, str):
            self.add(field, f"{show(value)} is not text (expected a quoted string)")
            return None
        if required and not value.strip():
            self.add(field, "empty (expected some text)")
            return None
        if pattern is not None and not re.fullmatch(pattern, value):
            self.add(field, f"{show(value)} is not allowed (expected {pattern_help or pattern})")
            return None
        return value

    def integer(
        self,
        data: Mapping[str, Any],
        key: str,
        prefix: str = "",
        *,
        minimum: int | None = 0,
        maximum: int | None = None,
        required: bool = True,
    ) -> int | None:
        """A whole number within ``[minimum, maximum]``."""
        field = _join(prefix, key)
        if key not in data:
            if required:
                self.add(field, "missing (required)")
            return None
        return self.check_integer(data[key], field, minimum=minimum, maximum=maximum)

    def check_integer(
        self, value: Any, field: str, *, minimum: int | None = 0, maximum: int | None = None
    ) -> int | None:
        """Check one value as a whole number within ``[minimum, maximum]``."""
        allowed = _range_text(minimum, maximum)
        if not isinstance(value, numbers.Integral) or isinstance(value, bool):
            self.add(field, f"{show(value)} is not a whole number (allowed: {allowed})")
            return None
        value = int(value)
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.add(field, f"{value} is out of range (allowed: {allowed})")
            return None
        return value

    def number(
        self,
        data: Mapping[str, Any],
        key: str,
        prefix: str = "",
        *,
        kind: str = "number",
        required: bool = True,
    ) -> float | None:
        """A finite number allowed for ``kind`` (see :func:`domain_message`)."""
        field = _join(prefix, key)
        if key not in data:
            if required:
                self.add(field, "missing (required)")
            return None
        return self.check_number(data[key], field, kind=kind)

    def check_number(self, value: Any, field: str, *, kind: str = "number") -> float | None:
        """Check one value as a finite number allowed for ``kind``."""
        if not is_number(value):
            allowed = {"probability": "a number in [0, 1]", "number": "a number"}.get(
                kind, "a number >= 0"
            )
            self.add(field, f"{show(value)} is not a number (allowed: {allowed})")
            return None
        message = domain_message(float(value), kind, written=show(value))
        if message:
            self.add(field, message)
            return None
        return float(value)

    def date(
        self, data: Mapping[str, Any], key: str, prefix: str = "", *, required: bool = True
    ) -> date | None:
        """A date (TOML date or ISO ``YYYY-MM-DD`` string)."""
        field = _join(prefix, key)
        if key not in data:
            if required:
                self.add(field, "missing (required)")
            return None
        value = parse_date(data[key])
        if value is None:
            self.add(field, f"{show(data[key])} is not a date (expected YYYY-MM-DD)")
        return value

    def boolean(
        self, data: Mapping[str, Any], key: str, prefix: str = "", *, required: bool = True
    ) -> bool | None:
        """``true`` or ``false``; ``0``/``1`` or ``"yes"`` are refused as ambiguous."""
        field = _join(prefix, key)
        if key not in data:
            if required:
                self.add(field, "missing (required)")
            return None
        value = data[key]
        if not isinstance(value, bool):
            self.add(field, f"{show(value)} is not a boolean (allowed: true, false)")
            return None
        return value


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _range_text(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f"a whole number from {minimum} to {maximum}"
    if minimum is not None:
        return f"a whole number >= {minimum}"
    if maximum is not None:
        return f"a whole number <= {maximum}"
    return "a whole number"
