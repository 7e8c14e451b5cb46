"""Property tests of the JSONL and CSV readers: no error but InputError, and nothing lost.

Every record of a file is either an article of the table, once, or in the skip list, once.
Dates are left out of the generated records: their own property tests cover them.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clustering.errors import InputError
from clustering.reading.loaders import load_articles

pytestmark = pytest.mark.fuzz

KEYS = ("id", "title", "text", "lang", "source", "url", "headline", "body", "story", "Note")
_text = st.text(st.characters(codec="utf-8"), max_size=30)
_scalar = st.one_of(_text, st.integers(), st.floats(), st.booleans(), st.none())
_value = st.one_of(
    _scalar, st.lists(_scalar, max_size=2), st.dictionaries(_text, _scalar, max_size=2)
)


def _load(path):
    """The loaded table and skip list, checking that nothing but InputError escapes."""
    try:
        return load_articles([path], skip_bad=True, allow_empty=True)
    except InputError:
        return None


def _lines_of(loaded):
    """The line of each article and of each skipped record."""
    kept = [int(str(where).rsplit(":", 1)[1]) for where in loaded.articles["path"]]
    return kept, [problem.line for problem in loaded.skipped]


def _assert_each_record_once(loaded, records):
    """Each record is kept or skipped once; or the whole file is skipped (binary, say)."""
    kept, skipped = _lines_of(loaded)
    if skipped == [None]:
        assert kept == []
        return
    assert sorted(kept + skipped) == records
    assert loaded.articles["id"].is_unique


@given(data=st.binary(max_size=400), suffix=st.sampled_from([".jsonl", ".csv", ".tsv"]))
def test_random_bytes_give_input_errors_only(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("fuzz") / f"feed{suffix}"
    path.write_bytes(data)
    _load(path)


_jsonl_line = st.one_of(
    st.dictionaries(st.sampled_from(KEYS), _value, max_size=4).map(
        lambda row: json.dumps(row, ensure_ascii=False)
    ),
    st.text(st.characters(codec="utf-8", exclude_characters="\n"), max_size=40),
    st.sampled_from(["[1, 2]", "{", '{"title": "\\ud800"}', "{" * 1500, "   ", "\u2028", "\x00"]),
)


def _assert_kept_once_or_skipped(path, records):
    """Each of ``records`` (line numbers) is an article once or skipped; none: nothing kept."""
    loaded = _load(path)
    if not records:
        assert loaded is None or len(loaded.articles) == 0
        return
    assert loaded is not None
    _assert_each_record_once(loaded, records)


@given(lines=st.lists(_jsonl_line, max_size=8))
def test_every_jsonl_line_is_an_article_or_skipped(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("fuzz") / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = [number for number, line in enumerate(lines, start=1) if line.strip()]
    _assert_kept_once_or_skipped(path, records)


_field = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
_names = st.lists(st.sampled_from(KEYS), min_size=1, max_size=4, unique=True)


def _csv_text(rows, delimiter):
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue()


@given(
    names=_names,
    cells=st.lists(st.lists(_field, min_size=4, max_size=4), max_size=6),
    delimiter=st.sampled_from([",", "\t"]),
)
def test_every_csv_row_is_an_article_or_skipped(tmp_path_factory, names, cells, delimiter):
    rows = [row[: len(names)] for row in cells]
    path = tmp_path_factory.mktemp("fuzz") / ("feed.csv" if delimiter == "," else "feed.tsv")
    path.write_text(_csv_text([names, *rows], delimiter), encoding="utf-8")
    records, line = [], 1 + len(io.StringIO(_csv_text([names], delimiter), newline="").readlines())
    for row in rows:
        if any(value.strip() for value in row) or len(row) > 1:  # a row of blank fields too
            records.append(line)
        line += len(io.StringIO(_csv_text([row], delimiter), newline="").readlines())
    _assert_kept_once_or_skipped(path, records)


@given(
    cells=st.lists(st.lists(_field, min_size=2, max_size=2), min_size=1, max_size=6),
    damage=st.tuples(st.integers(0, 10_000), st.sampled_from(['"', "", '\n"', '"x'])),
)
def test_damaged_csv_loses_no_row_silently(tmp_path_factory, cells, damage):
    text = _csv_text([["id", "title"], *cells], ",")
    at, insert = damage
    at %= len(text) + 1
    path = tmp_path_factory.mktemp("fuzz") / "feed.csv"
    path.write_text(text[:at] + insert + text[at + 1 :], encoding="utf-8")
    loaded = _load(path)
    if loaded is not None:
        kept, skipped = _lines_of(loaded)
        assert len(set(kept + skipped)) == len(kept + skipped)
        assert loaded.articles["id"].is_unique
