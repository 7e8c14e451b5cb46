"""Speed on long articles: clustering articles of 4,000 characters end to end, no cache.

Run from the repository root:

    python -m benchmarks.long_articles [--data ../shared/data] [--articles 200] [--json]

The SemEval-2022 dev texts are cut at about 1,300 characters by the source, so each long
article joins texts of one language, in file order, until it has 4,000 characters (cut
at a space). The first line of the first text is its headline. ``--articles`` of them
are loaded from records and clustered with default settings and no vector cache; the
report gives articles per second for the whole run. Quality is not measured here (the
joined texts mix stories); see ``semeval_cluster`` for that. The data is read in place,
never copied into the repository.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from benchmarks.options import data_model_json
from clustering import StoryClusterer, articles_from_records
from clustering.output.pairs import read_pairs
from embeddings import DEFAULT_MODEL, make_embedder

ROOT = Path(__file__).resolve().parent.parent
FILE = "semeval2022-pairs-dev.csv"
#: Characters per long article.
LENGTH = 4000


def long_texts(data_dir: Path, count: int) -> list[tuple[str, str | None]]:
    """``count`` texts of :data:`LENGTH` characters, each joined from one language's texts."""
    table = read_pairs(data_dir / FILE, "text1", "text2", "lang1", "lang2")
    seen: dict[str, str | None] = {}
    for texts, langs in ((table.left, table.left_langs), (table.right, table.right_langs)):
        for text, lang in zip(texts, langs or [None] * len(texts), strict=True):
            seen.setdefault(text, lang)
    pending: dict[str | None, str] = {}
    joined: list[tuple[str, str | None]] = []
    for text, lang in seen.items():
        pending[lang] = f"{pending.get(lang, '')}\n\n{text}".strip()
        if len(pending[lang]) >= LENGTH:
            cut = pending.pop(lang)[:LENGTH].rsplit(" ", 1)[0]
            joined.append((cut, lang))
            if len(joined) == count:
                break
    return joined


def run_long_articles(
    data_dir: str | Path, articles: int = 200, model: str = DEFAULT_MODEL
) -> dict[str, Any]:
    """Articles per second for clustering ``articles`` long articles, cold."""
    texts = long_texts(Path(data_dir), articles)
    records = [{"id": f"L{i:04d}", "text": t, "lang": g} for i, (t, g) in enumerate(texts)]
    start = time.perf_counter()
    loaded = articles_from_records(records, FILE)
    fitted = StoryClusterer(embedder=make_embedder(model, cache=False)).fit(loaded.articles)
    seconds = time.perf_counter() - start
    return {
        "model": model,
        "articles": len(texts),
        "characters": sum(len(t) for t, _ in texts) / len(texts),
        "stories": len(fitted.stories_),
        "seconds": seconds,
        "articles_per_second": len(texts) / seconds,
    }


def main() -> None:
    """Print the speed."""
    parser = data_model_json(__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    args = parser.parse_args()
    result = run_long_articles(args.data, args.articles, args.model)
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"{result['articles']} articles of {result['characters']:.0f} characters: "
        f"{result['seconds']:.1f} s, {result['articles_per_second']:.1f} articles/s"
    )


if __name__ == "__main__":
    main()
