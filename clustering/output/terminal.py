r"""Text for a terminal: control characters shown as escapes, so input cannot drive it.

An ESC in an article id or title would otherwise start a terminal control sequence
(colours, cursor moves, a cleared screen, a changed window title); a carriage return or
line break would forge table lines. Each such character is shown as its Python escape
(``\x1b``, ``\r``, ``\u2028``).
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """``text`` with every control character replaced by its escape sequence."""
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)
