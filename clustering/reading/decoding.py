"""Bytes to text: a BOM, a declared charset, UTF-8, then the legacy code page that reads best.

A charset is declared by an HTTP ``Content-Type`` header (given by the caller) or, in a
document that starts with markup, by an HTML ``<meta>`` tag or the XML declaration (read
with w3lib, which follows the WHATWG labels: ``latin-1`` means cp1252). A declaration the
bytes do not fit is ignored. UTF-8 with a few stray bytes (a cp1252 quote pasted into a
UTF-8 article) stays UTF-8: each stray byte is read as cp1252, or U+FFFD where cp1252 has
no character.

Legacy candidates are Windows code pages for Western and Turkish Latin, Central European,
Cyrillic and Arabic script. Among those that decode, the winner has the fewest mojibake
signs (mixed scripts within a word, words of mostly accented letters, stray symbols), with
the language identifier's confidence breaking near ties.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from itertools import pairwise

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding

from clustering.reading.language import identify

#: Legacy code pages tried, in order of preference, when the bytes are not UTF-8.
LEGACY_ENCODINGS = ("cp1252", "cp1254", "cp1250", "cp1251", "cp1256")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"GIF8",
    b"\xff\xd8\xff",
    b"\x7fELF",
)


#: Python codecs a declaration may name that are no charset of a document: the escapes, and
#: UTF-8 (read leniently below) or UTF-16/32 past a BOM (WHATWG: such bytes would hold NULs).
_NOT_CHARSETS = frozenset(
    {
        *("unicode-escape", "raw-unicode-escape", "charmap", "idna", "punycode", "undefined"),
        *("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"),
        *("utf-32", "utf-32-le", "utf-32-be"),
    }
)


class DecodeError(ValueError):
    """The bytes are binary or in no encoding samestory reads."""


_WORD = re.compile(r"[^\W\d_]+")
#: The bytes that are not UTF-8, as Python's ``surrogateescape`` error handler keeps them.
_STRAYS = re.compile("[\udc80-\udcff]+")
_CONTROL_LIMIT = 0.01


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else ""


def _controls(text: str) -> float:
    """Share of control, private-use and unassigned characters (tab and newlines excepted)."""
    bad = sum(
        1
        for char in text
        if unicodedata.category(char) in ("Cc", "Co", "Cn") and char not in "\t\n\r\f"
    )
    return bad / max(len(text), 1)


def _oddness(text: str) -> float:
    """How unlike natural text ``text`` reads: mojibake words, stray symbols, mixed scripts."""
    odd = sum(1 for char in text if unicodedata.category(char) in ("So", "Sk", "Sc", "Sm"))
    for word in _WORD.findall(text):
        scripts = {_script(char) for char in word}
        if len(scripts) > 1:
            odd += len(word)
        elif scripts == {"LATIN"} and len(word) > 1:
            if 2 * sum(not char.isascii() for char in word) > len(word):
                odd += len(word)
            odd += sum(1 for a, b in pairwise(word) if a.islower() and b.isupper())
    return odd / max(len(text), 1)


def is_binary(data: bytes) -> bool:
    """True for bytes that are clearly not text: known magic numbers or NUL bytes without a BOM."""
    if data.startswith(_BINARY_MAGIC):
        return True
    if any(data.startswith(bom) for bom, _ in _BOMS):
        return False
    return b"\x00" in data[:8192]


def _declared(data: bytes, content_type: str | None) -> str | None:
    """The charset the HTTP header declares, else the one the markup at the start declares."""
    declared = http_content_type_encoding(content_type)
    if declared is None and data.lstrip()[:1] == b"<":
        declared = html_body_declared_encoding(data)
    return declared


def _stray_byte(match: re.Match[str]) -> str:
    return bytes(ord(char) - 0xDC00 for char in match.group()).decode("cp1252", "replace")


def _mostly_utf8(data: bytes) -> str | None:
    """``data`` as UTF-8 when its valid non-ASCII characters outnumber its stray bytes."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", "surrogateescape")
    strays = sum(len(run) for run in _STRAYS.findall(text))
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    if non_ascii - strays <= strays:
        return None
    return _STRAYS.sub(_stray_byte, text)


def _legacy(data: bytes) -> tuple[str, str]:
    """The legacy code page whose decoding reads best."""
    best: tuple[float, str, str] | None = None
    for encoding in LEGACY_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _controls(text) > _CONTROL_LIMIT:
            continue
        score = 4 * _oddness(text) - identify(text)[1]
        if best is None or score < best[0]:
            best = (score, text, encoding)
    if best is None:
        tried = ", ".join(("utf-8", "utf-16", *LEGACY_ENCODINGS))
        raise DecodeError(f"cannot decode text (tried {tried})")
    return best[1], best[2]


def decode_bytes(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode ``data`` into ``(text, encoding)``; raise :class:`DecodeError` if impossible.

    ``content_type`` is the HTTP ``Content-Type`` header the bytes came with, if any.
    """
    if is_binary(data):
        raise DecodeError("binary file, not text")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise DecodeError(f"cannot decode text: broken {encoding} after its BOM") from exc
    declared = _declared(data, content_type)
    if declared is not None and declared not in _NOT_CHARSETS:
        try:
            return data.decode(declared), declared
        except (UnicodeError, LookupError):  # LookupError: a codec of bytes (hex, zlib …)
            pass
    text = _mostly_utf8(data)
    return (text, "utf-8") if text is not None else _legacy(data)
