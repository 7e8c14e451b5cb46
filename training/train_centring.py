"""Learn the per-language centring means that `samestory compare` uses, on dev data only.

Produces clustering/models/MODEL-centring.npz (shipped: e5-centring.npz,
``make train-centring``). Run from the repository root:

    python -m training.train_centring [--data ../shared/data] [--model e5] [--no-cache]

Embeds the distinct texts of the SemEval-2022 Task 8 dev pairs (semeval2022-pairs-dev.csv)
as `samestory compare` does, whole and as leads, and stores for each kind the mean vector
over all texts and per language (ar, de, en, es, fr, pl, tr). Languages that only the
OG2021 dev titles (og2021-dev.jsonl) cover with at least 100 titles (pt, ru, sl) get the
overall text mean plus their title offset (their titles' mean minus the mean of all
titles): titles and texts sit in different places, but the language direction carries
over (leaving one SemEval language out at a time, its pairs score 0.5 points of Pearson
better on average with the transferred mean than with the overall one).
Writes clustering/models/MODEL-centring.npz.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from clustering import load_articles
from clustering.evidence.centring import Centring, LanguageMeans
from clustering.evidence.compare import whole_text
from clustering.output.pairs import read_pairs
from embeddings import Embedder, encode_in_batches, lead, make_embedder

#: The repository root: default paths are relative to it.
ROOT = Path(__file__).resolve().parent.parent

MIN_TITLES = 100


def language_means(vectors: np.ndarray, langs: list[str]) -> LanguageMeans:
    """The mean over all rows and per language."""
    codes = np.array(langs)
    by_language = {lang: vectors[codes == lang].mean(axis=0) for lang in sorted(set(langs))}
    return LanguageMeans(vectors.mean(axis=0), by_language)


def semeval_texts(data: Path) -> tuple[list[str], list[str]]:
    """The distinct whole texts of the SemEval dev pairs and their languages."""
    table = read_pairs(data / "semeval2022-pairs-dev.csv", "text1", "text2", "lang1", "lang2")
    texts: dict[str, str] = {}
    for side in ("left", "right"):
        for text, lang in zip(getattr(table, side), getattr(table, f"{side}_langs"), strict=True):
            texts.setdefault(whole_text(text), str(lang))
    return list(texts), list(texts.values())


def title_offsets(data: Path, embedder: Embedder, skip: set[str]) -> dict[str, np.ndarray]:
    """Each language's title mean minus the mean of all titles, for languages not in skip."""
    articles = load_articles([data / "og2021-dev.jsonl"]).articles
    vectors = encode_in_batches(embedder, list(articles["title"]))
    means = language_means(vectors, [str(lang) for lang in articles["lang"]])
    counts = articles["lang"].value_counts()
    return {
        lang: mean - means.overall
        for lang, mean in means.by_language.items()
        if lang not in skip and counts[lang] >= MIN_TITLES
    }


def train(data: Path, model: str, cache: bool) -> Centring:
    """Fit the centring means for ``model``."""
    embedder = make_embedder(model, cache=cache)
    texts, langs = semeval_texts(data)
    offsets = title_offsets(data, embedder, set(langs))
    kinds = {}
    for kind, pieces in {"full": texts, "lead": [lead(text) for text in texts]}.items():
        means = language_means(encode_in_batches(embedder, pieces, 64), langs)
        extra = {lang: means.overall + offset for lang, offset in offsets.items()}
        kinds[kind] = LanguageMeans(means.overall, means.by_language | extra)
    return Centring(version=embedder.version, kinds=kinds)


def main() -> None:
    """Train and write the centring file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--model", default="e5")
    parser.add_argument("--no-cache", action="store_true")
    args = parser.parse_args()
    centring = train(args.data, args.model, cache=not args.no_cache)
    out = ROOT / "clustering" / "models" / f"{args.model}-centring.npz"
    centring.save(out)
    for kind, means in centring.kinds.items():
        print(f"{kind}: overall + {', '.join(sorted(means.by_language))}")
    print(f"wrote {out.relative_to(ROOT)} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
