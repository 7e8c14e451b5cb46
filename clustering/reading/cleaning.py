"""Text cleaning: mojibake repaired, Unicode NFC, no control characters, no boilerplate lines.

Mojibake (UTF-8 decoded once too often: "prÃ©sident", "gÃ¼nlÃ¼k") is repaired by ftfy.

Boilerplate is what a page wraps around the news: copyright and credit footers, newsletter
and "subscribe" promotions, share and follow links, agency end markers, "1 hour ago" stamps,
and a leading dateline or section label in capitals. Rules are multilingual phrase lists
applied to short lines, so a news paragraph that mentions a newsletter is kept.
"""

from __future__ import annotations

import re
import unicodedata

import ftfy

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_RIGHTS = re.compile(
    "|".join(
        [
            r"(?<![^\W\d_])©",  # not after a letter: "Ã©" is mojibake for "é"
            r"\(c\)\s*\d{4}",
            r"copyright",
            r"all rights reserved",
            r"tous droits réservés",
            r"todos los derechos reservados",
            r"alle rechte vorbehalten",
            r"tutti i diritti",
            r"todos os direitos reservados",
            r"tüm hakları saklıdır",
            r"bütün hüquqlar",
            r"все права защищены",
            r"جميع الحقوق محفوظة",
            r"کلیه حقوق",
            r"حقوق .{0,20}محفوظ",
            r"hiperlinklə istinad",
            r"icazə olmadan",
            r"istifadə şərtləri",
            r"izinsiz",
            r"without (?:prior )?permission",
            r"sans autorisation",
            r"terms of (?:use|service)",
            r"privacy policy",
            r"conditions d.utilisation",
            r"politique de confidentialité",
            r"kullanım koşulları",
            r"gizlilik politikası",
            r"reproduction interdite",
        ]
    ),
    re.IGNORECASE,
)
_PROMO = re.compile(
    "|".join(
        [
            r"newsletter",
            r"subscri(?:be|ption)",
            r"sign up",
            r"s.inscrire",
            r"inscrivez",
            r"abonne[zr]?",
            r"abonnieren",
            r"abone ol",
            r"abunə ol",
            r"suscr[íi]b",
            r"подпис",
            r"عضو شوید",
            r"اشترك",
            r"follow us",
            r"suivez[- ]nous",
            r"bizi takip",
            r"folgen sie",
            r"síguenos",
            r"share (?:on|this)",
            r"partager",
            r"paylaş",
            r"whatsapp",
            r"telegram",
            r"click here",
            r"cliquez ici",
            r"tıkla",
            r"klicken sie",
            r"haga clic",
            r"read more",
            r"lire (?:aussi|la suite)",
            r"devamını oku",
            r"ayrıca bakınız",
            r"also read",
            r"see also",
            r"weiterlesen",
            r"leia (?:mais|também)",
            r"lea también",
            r"daha ətraflı",
        ]
    ),
    re.IGNORECASE,
)
_CREDIT = re.compile(
    r"^(?:photo|foto|fotoğraf|image|crédit photo|credit|kaynak|source|mənbə)\s*[:/©]", re.IGNORECASE
)
_END_MARKER = re.compile(
    r"^(?:انتهای پیام|انتهى|\(?end\)?|-+\s*end\s*-+|fin|###|\(aa\)|\(afp\)|\(reuters\))$",
    re.IGNORECASE,
)
_RELATIVE_TIME = re.compile(
    r"^(?:\d+\s+(?:saniyə|dəqiqə|saat|gün|saniye|dakika|minutes?|mins?|hours?|days?|heures?|jours?)"
    r"\s+(?:öncə|əvvəl|önce|ago)|il y a \d+\s+\w+|hace \d+\s+\w+|vor \d+\s+\w+)$",
    re.IGNORECASE,
)
_DATELINE = re.compile(r"^([A-ZÀ-ÞİƏ][A-ZÀ-ÞİƏ .,'’/-]{1,40}?)\s*(?:\([^()]{1,30}\))?\s*[-–—]\s+")
_SHORT = 80
_LONG = 250


def _is_boilerplate(line: str) -> bool:
    if _URL.fullmatch(line) or _END_MARKER.match(line) or _RELATIVE_TIME.match(line):
        return True
    if len(line) <= _SHORT and (_PROMO.search(line) or _CREDIT.match(line)):
        return True
    if len(line) <= _LONG and _RIGHTS.search(line):
        return True
    return bool(_URL.search(line) and _PROMO.search(line))


def _is_label(line: str) -> bool:
    """A dateline or section label standing alone: a few words, all capitals, no sentence."""
    return (
        len(line.split()) <= 4
        and line.isupper()
        and not any(char.isdigit() for char in line)
        and not line.endswith((".", "!", "?", ":"))
    )


def _controls() -> dict[int, None]:
    """A ``str.translate`` table dropping control and format characters (Cc, Cf).

    Tab, newline and the joiners ZWNJ and ZWJ stay. Format characters live in planes 0, 1
    and 14 only (planes 2 and 3 are ideographs, 15 and 16 private use), so only those are
    scanned.
    """
    codes = (*range(0x20000), *range(0xE0000, 0xE1000))
    kept = {ord(char) for char in "\n\t\u200c\u200d"}
    return {
        code: None
        for code in codes
        if unicodedata.category(chr(code)) in ("Cc", "Cf") and code not in kept
    }


_CONTROLS = _controls()


#: Letters and symbols that show nothing: Hangul fillers and the blank Braille pattern.
_BLANK_GRAPHICS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
#: Categories of characters that show nothing by themselves: controls, formats (joiners),
#: separators and combining marks (variation selectors, the grapheme joiner).
_UNSEEN = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"})


def is_invisible(text: str) -> bool:
    """True when ``text`` shows nothing: only spaces, joiners, marks and blank fillers."""
    return all(char in _BLANK_GRAPHICS or unicodedata.category(char) in _UNSEEN for char in text)


def normalize_text(text: str) -> str:
    """Mojibake repaired, NFC, no control characters, spaces folded, at most one blank line."""
    text = unicodedata.normalize("NFC", ftfy.fix_encoding(text))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_CONTROLS)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def clean_text(text: str) -> str:
    """Normalised text without boilerplate lines or a leading dateline."""
    lines = [line for line in normalize_text(text).split("\n") if not _is_boilerplate(line)]
    while lines and (not lines[0] or _is_label(lines[0])):
        lines.pop(0)
    if lines:
        lines[0] = _DATELINE.sub("", lines[0], count=1) if _dateline_ok(lines[0]) else lines[0]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _dateline_ok(line: str) -> bool:
    match = _DATELINE.match(line)
    return bool(match and match.group(1).strip().isupper() and len(line) > match.end() + 20)
