"""How an error message repeats a user's value: short, on one line, whatever the value is.

A 900 KB key, a 5,000-digit integer (whose text Python refuses to make) or a deep list must never
come back whole in a message, a log line or an HTTP body; every message that quotes input quotes
it through :func:`echo`.
"""

from __future__ import annotations

import reprlib
from typing import Any

ECHO_CHARS = 60  # the most of a user's value an error message repeats
MAX_MESSAGE_CHARS = 1000  # the longest error message: a 900 KB key never comes back whole

_short = reprlib.Repr()
_short.maxstring = _short.maxother = 2 * ECHO_CHARS
_short.maxlong = 4 * ECHO_CHARS


def echo(value: Any, limit: int = ECHO_CHARS) -> str:
    """The value's repr cut to ``limit`` characters (a long text says its full length); a huge
    integer is described by its size."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4 * limit:
        return f"a whole number of about {digits_of(value)} digits"
    if isinstance(value, str | bytes) and len(value) > limit:
        return f"{value[:limit]!r}… ({len(value)} characters)"
    text = _short.repr(value).replace("\n", "\\n").replace("\r", "\\r")
    return text if len(text) <= limit else f"{text[:limit]}…"


def digits_of(number: int) -> int:
    """The decimal digits of an integer, without making its text (refused past 4,300 digits)."""
    return int(abs(number).bit_length() * 0.30103) + 1


_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0)) if c != 0x09}
_CONTROLS.update({0x0A: "\\n", 0x0D: "\\r"})


def one_line(message: str) -> str:
    """An error message as every error class of the package keeps it: one line (line breaks
    shown as ``\\n``, other control characters as ``\\x1b``: a file name cannot clear the
    terminal), at most MAX_MESSAGE_CHARS characters, the full length said if cut."""
    text = message.translate(_CONTROLS)
    if len(text) > MAX_MESSAGE_CHARS:
        text = f"{text[:MAX_MESSAGE_CHARS]}… ({len(text)} characters in all)"
    return text


def clip(text: str, limit: int = 200) -> str:
    """A message from elsewhere (a library's error) cut to ``limit`` characters, on one line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"
