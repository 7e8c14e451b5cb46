"""Language identification with the model bundled in py3langid, and ISO code normalisation."""

from __future__ import annotations

from functools import cache
from typing import Any

# ISO 639-3 (and a few 639-2/B) codes to 639-1, for the languages news feeds commonly carry.
_TO_ISO1 = {
    "ara": "ar",
    "aze": "az",
    "bel": "be",
    "ben": "bn",
    "bos": "bs",
    "bul": "bg",
    "cat": "ca",
    "ces": "cs",
    "cze": "cs",
    "chi": "zh",
    "cmn": "zh",
    "dan": "da",
    "deu": "de",
    "ger": "de",
    "ell": "el",
    "gre": "el",
    "eng": "en",
    "est": "et",
    "fas": "fa",
    "per": "fa",
    "pes": "fa",
    "fin": "fi",
    "fra": "fr",
    "fre": "fr",
    "heb": "he",
    "hin": "hi",
    "hrv": "hr",
    "hun": "hu",
    "hye": "hy",
    "arm": "hy",
    "ind": "id",
    "ita": "it",
    "jpn": "ja",
    "kat": "ka",
    "geo": "ka",
    "kaz": "kk",
    "kor": "ko",
    "lav": "lv",
    "lit": "lt",
    "mkd": "mk",
    "msa": "ms",
    "nld": "nl",
    "dut": "nl",
    "nor": "no",
    "nob": "nb",
    "pol": "pl",
    "por": "pt",
    "ron": "ro",
    "rum": "ro",
    "rus": "ru",
    "slk": "sk",
    "slo": "sk",
    "slv": "sl",
    "spa": "es",
    "sqi": "sq",
    "alb": "sq",
    "srp": "sr",
    "swe": "sv",
    "tha": "th",
    "tur": "tr",
    "ukr": "uk",
    "urd": "ur",
    "uzb": "uz",
    "vie": "vi",
    "zho": "zh",
}


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_DIR / MODEL_FILE, norm_probs=True)


def normalize_lang(code: str | None) -> str | None:
    """A language code as lower-case ISO 639-1 where one exists (``"tur"`` → ``"tr"``)."""
    if code is None:
        return None
    code = str(code).strip().lower().replace("_", "-")
    if not code:
        return None
    primary = code.split("-", 1)[0]
    return _TO_ISO1.get(primary, primary)


def identify(text: str) -> tuple[str, float]:
    """The most likely ISO 639-1 language of ``text`` and its probability (0..1)."""
    lang, probability = _identifier().classify(text[:2000])
    return str(lang), float(probability)


#: Fewer letters than this give no reliable guess.
MIN_LETTERS = 10


def detect_language(text: str) -> str | None:
    """The ISO 639-1 language of ``text``, or None when it has too few letters to tell."""
    if sum(char.isalpha() for char in text[:200]) < MIN_LETTERS:
        return None
    return identify(text)[0]
