"""Count the background word statistics that make lexical evidence batch-independent.

Produces clustering/models/background.npz (``make train-background``). Run from the
repository root:

    python -m training.train_background [--data ../shared/data]

The background corpus is the dev data: the OG2021 dev headlines and the SemEval-2022 dev
articles (their headlines, as samestory reads them). For each document it counts which
hashed tokens occur (romanised word prefixes and character n-grams of the headline, name
skeletons of the headline and lead), and keeps buckets seen in at least two documents.
No text is stored, only hashed document frequencies.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from clustering import articles_from_records, load_articles
from clustering.evidence.background import BUCKETS, KINDS, Background, bucket
from clustering.evidence.features import entity_texts, lexical_texts
from clustering.evidence.lexical import char_grams, name_skeletons, word_prefixes
from clustering.output.pairs import read_pairs

#: The repository root: default paths are relative to it.
ROOT = Path(__file__).resolve().parent.parent


def corpus(data: Path) -> tuple[list[str], list[str]]:
    """Headlines and title-plus-lead texts of every background document."""
    og = load_articles([data / "og2021-dev.jsonl"]).articles
    pairs = read_pairs(data / "semeval2022-pairs-dev.csv", "text1", "text2")
    texts = [t for t in dict.fromkeys([*pairs.left, *pairs.right]) if t.strip()]
    semeval = articles_from_records(
        [{"id": str(i), "text": text} for i, text in enumerate(texts)], "<semeval>", skip_bad=True
    ).articles
    titles = [*og["title"], *semeval["title"]]
    leads = entity_texts([*og["title"], *semeval["title"]], [*og["text"], *semeval["text"]])
    return lexical_texts(titles), leads


def document_frequencies(
    documents: Iterable[str], tokenize: Callable[[str], list[str]]
) -> np.ndarray:
    """How many documents hold each hash bucket."""
    counts = np.zeros(BUCKETS, dtype=np.uint32)
    for document in documents:
        buckets = np.unique(np.array([bucket(t) for t in tokenize(document)], dtype=np.int64))
        counts[buckets] += 1
    return counts


def train(data: Path) -> Background:
    """Count the background of the dev data."""
    headlines, leads = corpus(data)
    tokenizers = {
        "prefix": (headlines, word_prefixes),
        "char": (headlines, char_grams),
        "skeleton": (leads, name_skeletons),
    }
    assert tuple(tokenizers) == KINDS
    return Background(
        documents=len(headlines),
        frequencies={kind: document_frequencies(*tokenizers[kind]) for kind in KINDS},
    )


def main() -> None:
    """Count and write the background."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    if not (args.data / "og2021-dev.jsonl").exists():
        sys.exit(f"dev data not found in {args.data} (give --data)")
    background = train(args.data)
    target = ROOT / "clustering" / "models" / "background.npz"
    background.save(target)
    kept = {kind: int((background.frequencies[kind] >= 2).sum()) for kind in KINDS}
    print(f"wrote {target} ({target.stat().st_size:,} bytes): {background.documents} documents")
    for kind, count in kept.items():
        print(f"  {kind:<9} {count:,} buckets seen in two documents or more")


if __name__ == "__main__":
    main()
