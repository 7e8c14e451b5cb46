import sqlite3

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from clustering.evidence.lexical import char_vectors, prefix_similarity
from clustering.evidence.tfidf import TokenIds, row_cosine, tfidf_rows
from clustering.store import timeindex
from clustering.store.timeindex import TimeIndex


def _database(hours: list[float | None]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE TABLE articles (seq INTEGER PRIMARY KEY, hours REAL, vector BLOB, id TEXT, "
        "published TEXT, story TEXT DEFAULT 'S1', title TEXT DEFAULT 't', text TEXT DEFAULT '', "
        "lang TEXT, source TEXT, url TEXT, path TEXT)"
    )
    _append(db, hours)
    return db


def _append(db: sqlite3.Connection, hours: list[float | None]) -> None:
    start = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    db.executemany(
        "INSERT INTO articles (seq, hours, vector, id, published) VALUES (?, ?, ?, ?, NULL)",
        [
            (start + i + 1, h, np.full(2, start + i, dtype=np.float32).tobytes(), str(i))
            for i, h in enumerate(hours)
        ],
    )


def _rows_in(index: TimeIndex, low: float, high: float) -> set[int]:
    return {int(s) for a, b in index.spans(low, high) for s in index.seq[a:b]}


def test_a_window_is_a_slice_of_rows_sorted_by_time_plus_undated_and_tail(monkeypatch):
    monkeypatch.setattr(timeindex, "TAIL_ROWS", 2)
    db = _database([50.0, 10.0, None, 30.0, 20.0])
    index = TimeIndex()
    index.refresh(db)
    assert list(index.seq) == [2, 5, 4, 1, 3]  # by time, undated last
    assert list(index.vectors[:, 0]) == [1, 4, 3, 0, 2]  # vectors move with their rows
    assert _rows_in(index, 15, 35) == {5, 4, 3}
    _append(db, [25.0, 100.0])  # a short tail: not sorted yet, always scanned
    index.refresh(db)
    assert list(index.seq[5:]) == [6, 7]
    assert _rows_in(index, 15, 35) == {5, 4, 3, 6, 7}
    _append(db, [40.0])  # the tail outgrows TAIL_ROWS: everything is sorted again
    index.refresh(db)
    assert list(index.seq) == [2, 5, 6, 4, 8, 1, 7, 3]
    assert _rows_in(index, 15, 35) == {5, 6, 4, 3}
    assert _rows_in(index, np.nan, np.nan) == set(range(1, 9))


@pytest.mark.parametrize("min_df", [1, 2])
def test_tfidf_cosine_matches_scikit_learn(min_df):
    texts = ["a b b c", "b c d", "e", "a a d", "c d e f"]
    expected = TfidfVectorizer(analyzer=str.split, sublinear_tf=True, min_df=min_df).fit_transform(
        texts
    )
    got = row_cosine(tfidf_rows(texts, TokenIds(str.split), min_df=min_df))
    np.testing.assert_allclose(got, (expected @ expected.T).toarray(), atol=1e-6)


def test_similarities_do_not_depend_on_texts_seen_before():
    texts = ["Ministre iranien à Bakou", "Iranian minister in Baku", "Bakú recibe al ministro"]
    first = row_cosine(char_vectors(texts)), prefix_similarity(texts)
    char_vectors(["Bakou ministre", "zzz qqq", *texts[::-1]])
    again = row_cosine(char_vectors(texts)), prefix_similarity(texts)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
