"""Reading: files, feeds, pages and tables become one uniform article table.

Load, decode, extract, clean, detect the language and parse the date.
"""

from typing import TYPE_CHECKING

from clustering.lazy import lazy_exports

if TYPE_CHECKING:
    from clustering.reading.articles import ARTICLE_COLUMNS
    from clustering.reading.feeds import is_url
    from clustering.reading.fetch import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, Fetcher
    from clustering.reading.limits import (
        DEFAULT_MAX_ARTICLE_BYTES,
        DEFAULT_MAX_INPUT_BYTES,
        STDIN,
        STDIN_FORMATS,
        ReadOptions,
        source_name,
    )
    from clustering.reading.loaders import LoadResult, articles_from_records, load_articles
    from clustering.reading.numbers import (
        BYTES,
        CLUSTER_SIZE,
        COUNT,
        DISTANCE,
        INTERVAL,
        PROBABILITY,
        TIMEOUT,
        Bounds,
    )
    from clustering.reading.polling import MIN_URL_INTERVAL, PollSchedule

__all__ = [
    "ARTICLE_COLUMNS",
    "BYTES",
    "CLUSTER_SIZE",
    "COUNT",
    "DEFAULT_MAX_ARTICLE_BYTES",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_INPUT_BYTES",
    "DEFAULT_TIMEOUT",
    "DISTANCE",
    "INTERVAL",
    "MIN_URL_INTERVAL",
    "PROBABILITY",
    "STDIN",
    "STDIN_FORMATS",
    "TIMEOUT",
    "Bounds",
    "Fetcher",
    "LoadResult",
    "PollSchedule",
    "ReadOptions",
    "articles_from_records",
    "is_url",
    "load_articles",
    "source_name",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "ARTICLE_COLUMNS": "clustering.reading.articles",
        "is_url": "clustering.reading.feeds",
        "DEFAULT_MAX_BYTES": "clustering.reading.fetch",
        "DEFAULT_TIMEOUT": "clustering.reading.fetch",
        "Fetcher": "clustering.reading.fetch",
        "DEFAULT_MAX_ARTICLE_BYTES": "clustering.reading.limits",
        "DEFAULT_MAX_INPUT_BYTES": "clustering.reading.limits",
        "STDIN": "clustering.reading.limits",
        "STDIN_FORMATS": "clustering.reading.limits",
        "ReadOptions": "clustering.reading.limits",
        "source_name": "clustering.reading.limits",
        "LoadResult": "clustering.reading.loaders",
        "articles_from_records": "clustering.reading.loaders",
        "load_articles": "clustering.reading.loaders",
        "BYTES": "clustering.reading.numbers",
        "CLUSTER_SIZE": "clustering.reading.numbers",
        "COUNT": "clustering.reading.numbers",
        "DISTANCE": "clustering.reading.numbers",
        "INTERVAL": "clustering.reading.numbers",
        "PROBABILITY": "clustering.reading.numbers",
        "TIMEOUT": "clustering.reading.numbers",
        "Bounds": "clustering.reading.numbers",
        "MIN_URL_INTERVAL": "clustering.reading.polling",
        "PollSchedule": "clustering.reading.polling",
    },
)
