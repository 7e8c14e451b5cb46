"""Syndicated copies: articles with the same text stand as one, their original, in the graph.

A wire story reaches a desk thousands of times, word for word. Every copy would score
P ≈ 1 with every other, so the candidate graph among n copies has n² pairs and the
second-order distances n³ work, and an editor wants the copies in one story anyway. So
copies are found first and the clustering sees one article per copy group, its original;
every copy then gets its original's story, keeps its own id and counts in the story's size.

The rule: two articles are copies when their normalised text (title and body after the
reader's cleaning, Unicode NFKC, case-folded, punctuation dropped, whitespace collapsed)
and their language are the same, and both were published within :data:`COPY_HOURS` of
the first copy of their group. Copies are grouped in order of publication (then id): the
earliest starts a group, which takes every copy up to :data:`COPY_HOURS` later; the next
copy starts the next group. The pair model gives two identical headlines P ≥ 0.98 at any
gap within its 120-hour window, so the time features never split a day's copies; a text
that comes back on a later day (a daily briefing, a recurring headline) is a new original,
and the evidence decides whether it is the same story. Undated copies form one group of
their own. The group's original is its earliest copy (its vector, date and language). Groups
of fewer than :data:`MIN_COPIES` copies are left as they are.

Near copies (a source's suffix, a changed figure, a retouched word) are as many originals
as texts, and thousands of them in one window would make the graph quadratic again. So
when the vectors are given, groups of identical texts are then joined by their vectors:
in order of publication, a group's first copy joins the earlier group whose first copy
is most alike, when the cosine is at least :data:`NEAR_COSINE`, the two texts share at
least :data:`NEAR_WORDS` of their words (numbers aside), the language is the same
and that first copy is at most :data:`COPY_HOURS` older (and among the latest
:data:`NEAR_ORIGINALS` groups); otherwise it starts a group. Undated articles join only
identical texts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Copies of one text published within this many hours of the group's first copy are one
#: point: syndication happens within a day.
COPY_HOURS = 24.0

#: Groups of fewer copies stay apart: a few copies cost the graph nothing, and their own
#: evidence (P ≥ 0.98 between identical texts) groups them anyway. On OG2021 dev (462
#: groups of identical titles, 1,286 articles) collapsing every group lowered BCubed F1 by
#: 0.0023, collapsing groups of 3 or more by 0.0034; from 10 it is unchanged (0.7320).
MIN_COPIES = 10

#: Two texts in one language whose vectors are at least this alike are near copies. On
#: OG2021 dev (USE vectors, titles at most 24 hours apart) 98.5 % of the 581 pairs of
#: different titles at 0.95 or more are one story, as are 98.9 % of all such pairs.
NEAR_COSINE = 0.95

#: Near copies share at least this part of their words (Jaccard over the normalised
#: texts, numbers left out): a figure changed keeps them all, a source's name added most,
#: while "shares rise 5%" and "shares fall 5%", which USE puts at cosine 0.97, share half.
#: The cosine alone depends on the model; the words do not.
NEAR_WORDS = 0.7

#: Articles compared with the groups' first copies at once, as one matrix product.
CHUNK = 512

#: A first copy is compared with at most this many of the latest groups within
#: :data:`COPY_HOURS` (a flood of 100,000 different texts in one day would otherwise make
#: the step quadratic); OG2021 has about 120 articles a day, far fewer.
NEAR_ORIGINALS = 4096

_SPACE = re.compile(r"\s+")


def copy_key(title: object, text: object, lang: object) -> str:
    """What two copies share: their language and normalised headline and body."""
    raw = f"{title if isinstance(title, str) else ''}\n{text if isinstance(text, str) else ''}"
    folded = unicodedata.normalize("NFKC", raw).casefold()
    kept = "".join(" " if unicodedata.category(c).startswith("P") else c for c in folded)
    language = lang if isinstance(lang, str) else ""
    return f"{language}\t{_SPACE.sub(' ', kept).strip()}"


@dataclass(frozen=True)
class Copies:
    """Which articles are copies of which: one original per group of copies.

    ``originals`` are the row numbers of the articles that stand for their groups
    (ascending), ``group_of`` gives each article its group's index in ``originals``.
    """

    originals: np.ndarray
    group_of: np.ndarray

    @property
    def counts(self) -> np.ndarray:
        """How many articles each original stands for."""
        return np.bincount(self.group_of, minlength=len(self.originals))

    @property
    def original_of(self) -> np.ndarray:
        """Each article's original, as a row number (an article that is no copy: itself)."""
        return self.originals[self.group_of]

    @property
    def any(self) -> bool:
        """Whether some articles are copies of others."""
        return len(self.originals) < len(self.group_of)


def find_copies(
    articles: pd.DataFrame, hours: np.ndarray, vectors: np.ndarray | None = None
) -> Copies:
    """The copy groups of an article table (see the module's rule).

    ``hours`` are the publication times (NaN when unknown), one per row; with ``vectors``
    (unit length, one per row) near copies join too. The groups depend only on the
    articles, not on their order: ties in time go to the smaller id.
    """
    keys = [
        copy_key(title, text, lang)
        for title, text, lang in zip(
            articles["title"], articles["text"], articles["lang"], strict=True
        )
    ]
    key_codes, _ = pd.factorize(pd.Series(keys, dtype=object))
    ids = articles["id"].to_numpy(dtype=str)
    group_start = _identical(key_codes, ids, hours)
    if vectors is not None:
        languages, _ = pd.factorize(articles["lang"].fillna("").astype(str))
        group_start = _near(group_start, ids, hours, languages, vectors, keys)
    _, start_index, sizes = np.unique(group_start, return_inverse=True, return_counts=True)
    few = sizes[start_index] < MIN_COPIES
    group_start[few] = np.flatnonzero(few)
    originals, group_of = np.unique(group_start, return_inverse=True)
    return Copies(originals=originals, group_of=group_of.astype(np.int64))


def _identical(key_codes: np.ndarray, ids: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """Each row's group of identical texts, as the row of the group's first copy."""
    n = len(key_codes)
    undated = np.isnan(hours)
    order = np.lexsort((ids, np.nan_to_num(hours), undated, key_codes))
    group_start = np.empty(n, dtype=np.int64)
    first = -1
    for position, row in enumerate(order):
        previous = order[position - 1] if position else -1
        if (
            position == 0
            or key_codes[row] != key_codes[previous]
            or undated[row] != undated[previous]
            or (not undated[row] and hours[row] - hours[first] > COPY_HOURS)
        ):
            first = row
        group_start[row] = first
    return group_start


def _near(
    group_start: np.ndarray,
    ids: np.ndarray,
    hours: np.ndarray,
    languages: np.ndarray,
    vectors: np.ndarray,
    keys: list[str],
) -> np.ndarray:
    """Groups of identical texts joined with earlier groups of near copies (dated only).

    The first copies are taken in order of publication, a chunk at a time: a product
    with the earlier groups' first copies that are recent enough and one within the
    chunk; only the first copies with some earlier one alike enough are then decided one
    by one. Returns each row's group as the row of its earliest first copy.
    """
    firsts = np.unique(group_start[~np.isnan(hours)])
    firsts = firsts[np.lexsort((ids[firsts], hours[firsts]))]
    originals: list[int] = []  # first copies that start a group, in order of publication
    joined = {}
    for start in range(0, len(firsts), CHUNK):
        chunk = firsts[start : start + CHUNK]
        known = np.asarray(originals, dtype=np.int64)
        recent = known[hours[known] >= hours[chunk[0]] - COPY_HOURS][-NEAR_ORIGINALS:]
        earlier = _alike(chunk, recent, hours, languages, vectors)
        within = _alike(chunk, chunk, hours, languages, vectors)
        within[np.triu_indices(len(chunk))] = -np.inf  # only earlier ones in the chunk
        lead_here = (earlier.max(axis=1, initial=-np.inf) < NEAR_COSINE) & (
            within.max(axis=1) < NEAR_COSINE
        )
        for position in np.flatnonzero(~lead_here):
            best, original = -np.inf, -1
            if len(recent):
                k = int(np.argmax(earlier[position]))
                best, original = earlier[position, k], int(recent[k])
            here = np.where(lead_here, within[position], -np.inf)
            k = int(np.argmax(here))
            if here[k] > best:
                best, original = here[k], int(chunk[k])
            if best >= NEAR_COSINE and _shared_words(keys[chunk[position]], keys[original]):
                joined[int(chunk[position])] = original
            else:
                lead_here[position] = True
        originals.extend(int(row) for row in chunk[lead_here])
    original_of = np.arange(len(group_start))
    for row, original in joined.items():
        original_of[row] = original
    return original_of[group_start]


def _alike(
    rows: np.ndarray,
    cols: np.ndarray,
    hours: np.ndarray,
    languages: np.ndarray,
    vectors: np.ndarray,
) -> np.ndarray:
    """Cosines of rows with earlier cols, −inf where a pair can be no near copies."""
    cosine = vectors[rows] @ vectors[cols].T
    gap = hours[rows][:, None] - hours[cols][None, :]
    possible = (languages[rows][:, None] == languages[cols][None, :]) & (gap <= COPY_HOURS)
    return np.where(possible, cosine, -np.inf)


def _shared_words(key: str, other: str) -> bool:
    """Whether two copy keys share at least :data:`NEAR_WORDS` of their words (not numbers)."""
    words, others = (
        {word for word in text.split("\t", 1)[-1].split() if not word.isdigit()}
        for text in (key, other)
    )
    return len(words & others) >= NEAR_WORDS * len(words | others)
