"""Surface evidence across scripts: transliterated word overlap and named-entity matching.

Words are romanised with anyascii, so "Насирзаде" and "Nasirzade" share their prefixes.
Entities are matched on consonant skeletons, which survive scripts that write no short
vowels: Nasirzadeh, Nasirzadə and ناصرزاده all reduce to "nsrzd…".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import cache, lru_cache, partial

import numpy as np
import regex
from anyascii import anyascii
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer

from clustering.evidence.background import shipped_background
from clustering.evidence.tfidf import TokenIds, row_cosine, tfidf_rows

#: A word: letters and digits with the marks inside them (Devanagari vowel signs, Arabic
#: harakat), which ``re``'s ``\w`` would cut the word at.
_WORD = regex.compile(r"\w+")
_SOURCE_SEPARATOR = re.compile(r"\s+[|\-–—]\s+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_DIGRAPHS = (
    ("kh", "h"),
    ("gh", "k"),
    ("sh", "s"),
    ("ch", "c"),
    ("zh", "z"),
    ("th", "t"),
    ("ph", "f"),
    ("dh", "d"),
)
_CONSONANT_MAP = str.maketrans({"q": "k", "c": "k", "v": "f", "w": "f", "x": "k"})
_VOWELS = re.compile(r"[aeiouy]")
#: Skeletons shorter than this are too common to call a match.
MIN_SKELETON = 4
#: Scripts that capitalise names; in every other script any word may be one.
CAPITALISING_SCRIPTS = frozenset({"LATIN", "GREEK", "CYRILLIC", "ARMENIAN"})
#: Devanagari letters with a nukta, which NFC leaves as two code points (composition
#: exclusions), as the one letter anyascii romanises (ज + ़ → ज़ → "z", not "j").
_NUKTA = {
    "\u0915\u093c": "\u0958",
    "\u0916\u093c": "\u0959",
    "\u0917\u093c": "\u095a",
    "\u091c\u093c": "\u095b",
    "\u0921\u093c": "\u095c",
    "\u0922\u093c": "\u095d",
    "\u092b\u093c": "\u095e",
    "\u092f\u093c": "\u095f",
}
_NUKTA_PAIR = re.compile("|".join(_NUKTA))


def strip_source(title: str) -> str:
    """A headline without trailing " | Outlet" or " - Outlet" parts of up to four words."""
    parts = _SOURCE_SEPARATOR.split(title)
    while len(parts) > 1 and len(parts[-1].split()) <= 4:
        parts.pop()
    return " - ".join(parts)


def romanize(word: str) -> str:
    """A word in lower-case ASCII letters and digits."""
    composed = _NUKTA_PAIR.sub(lambda pair: _NUKTA[pair.group()], word)
    return _NOT_ALNUM.sub("", anyascii(composed).lower())


def word_prefixes(text: str, length: int = 4) -> list[str]:
    """The romanised first ``length`` characters of each word (single letters dropped)."""
    out = []
    for word in _WORD.findall(text):
        ascii_word = romanize(word)
        if len(ascii_word) >= 2 or ascii_word.isdigit():
            out.append(ascii_word[:length])
    return out


def skeleton(word: str) -> str:
    """The consonants of a romanised word, with common spelling variants merged."""
    text = romanize(word)
    for digraph, letter in _DIGRAPHS:
        text = text.replace(digraph, letter)
    text = _VOWELS.sub("", text.translate(_CONSONANT_MAP))
    return re.sub(r"(.)\1+", r"\1", text)


@cache
def _char_analyzer() -> Callable[[str], list[str]]:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).build_analyzer()


def char_grams(text: str) -> list[str]:
    """Character 3- to 5-grams within the romanised, lower-cased words of a text."""
    return list(_char_analyzer()(anyascii(text).lower()))


#: Consonants of a name skeleton that make its token: enough to tell names apart, few
#: enough that inflected forms (Nasirzadeh, Nasirzade'yi) still meet.
NAME_KEY = 5


def name_skeletons(text: str) -> list[str]:
    """Tokens of the name-like words of a text: their skeletons' first consonants."""
    keys = (skeleton(word) for word in entity_words(text))
    return [key[:NAME_KEY] for key in keys if len(key) >= MIN_SKELETON]


_PREFIXES = TokenIds(lambda text: word_prefixes(text) or ["_"])
_CHAR_GRAMS = TokenIds(lambda text: char_grams(text) or ["_"])
_NAMES = TokenIds(name_skeletons)
#: Remembers fewer texts than the others: a whole text's names can be long.
_KEYS = TokenIds(str.split, remember=1024)


def prefix_vectors(texts: Sequence[str]) -> csr_matrix:
    """TF-IDF vectors (sublinear tf, background IDF, l2 rows) of romanised 4-letter prefixes."""
    return tfidf_rows(texts, _PREFIXES, idf=partial(shipped_background().idf, "prefix"))


def char_vectors(texts: Sequence[str]) -> csr_matrix:
    """TF-IDF vectors (background IDF) of romanised character 3- to 5-grams within words."""
    return tfidf_rows(texts, _CHAR_GRAMS, idf=partial(shipped_background().idf, "char"))


def name_vectors(texts: Sequence[str]) -> csr_matrix:
    """TF-IDF vectors (background IDF) of name skeletons: rare shared names weigh most.

    A text without name-like words is an empty row, so it shares no names with anything.
    """
    return tfidf_rows(texts, _NAMES, idf=partial(shipped_background().idf, "skeleton"))


def name_keys(text: str) -> str:
    """The name tokens of a text (:func:`name_skeletons`), joined by spaces."""
    return " ".join(name_skeletons(text))


@lru_cache(maxsize=256)
def distinct_name_keys(text: str) -> str:
    """Each name token of a text once, in order of first appearance, joined by spaces.

    What a whole text is read for: which names it has. Remembered for recent texts: a
    story store reads its neighbours' whole texts again for every article it adds.
    """
    return " ".join(dict.fromkeys(name_skeletons(text)))


def lead_names_and_presence(
    leads: Sequence[str], whole_keys: Sequence[str]
) -> tuple[csr_matrix, csr_matrix]:
    """The leads' name vectors and which names each whole text has, in one space.

    Row ``i`` of the first matrix is :func:`name_vectors` of ``leads[i]`` (its squares sum
    to 1, or 0 for a lead without names); row ``j`` of the second is 1 for each name token of
    ``whole_keys[j]`` (a whole text's :func:`distinct_name_keys`). The squares' product with
    the second is the share of a lead's name weight that a whole text carries.
    """
    both = tfidf_rows(
        [*(name_keys(text) for text in leads), *whole_keys],
        _KEYS,
        idf=partial(shipped_background().idf, "skeleton"),
    )
    weights = both[: len(leads)]
    present = both[len(leads) :]
    present.data[:] = 1.0
    return weights, present


def prefix_similarity(texts: Sequence[str]) -> np.ndarray:
    """Pairwise cosine of :func:`prefix_vectors`, float32."""
    return row_cosine(prefix_vectors(texts))


@cache
def capitalises_names(letter: str) -> bool:
    """Whether ``letter``'s script writes names with a capital (Latin, Cyrillic, ...)."""
    return unicodedata.name(letter, "").split(" ", 1)[0] in CAPITALISING_SCRIPTS


def entity_words(text: str) -> list[str]:
    """Words that look like names.

    In scripts that capitalise names, capitalised words; in the others (Arabic, Hebrew,
    Devanagari, Georgian, Chinese, ...), which have no capitals to go by, every word.
    """
    words = []
    for index, word in enumerate(_WORD.findall(text)):
        if (
            (word[0].isalpha() and not capitalises_names(word[0]))
            or (word[0].isupper() and index > 0)
            or (word[0].isupper() and len(word) > 1 and not word[1:].islower())
        ):
            words.append(word)
    return words


def shared_entities(first: str, second: str, limit: int = 12) -> list[tuple[str, str]]:
    """Name-like words of ``first`` and ``second`` whose consonant skeletons agree.

    Skeletons match when they are equal or one starts with the other, and the shorter has
    at least :data:`MIN_SKELETON` consonants. Each skeleton is reported once.
    """
    right: dict[str, str] = {}
    for word in entity_words(second):
        right.setdefault(skeleton(word), word)
    matches: list[tuple[str, str]] = []
    seen: set[str] = set()
    for word in entity_words(first):
        key = skeleton(word)
        if len(key) < MIN_SKELETON or key in seen:
            continue
        partner = right.get(key) or next(
            (
                w
                for k, w in right.items()
                if len(k) >= MIN_SKELETON and (k.startswith(key) or key.startswith(k))
            ),
            None,
        )
        if partner is not None:
            seen.add(key)
            matches.append((word, partner))
            if len(matches) == limit:
                break
    return matches
