"""The story store: stable ids, idempotent adds, merges, crash safety, concurrent writers."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from clustering import articles_from_records
from clustering.store.store import StoreError, StoryStore
from tests.conftest import ROOT
from tests.fakes import AngleEmbedder, assigned, cosine_assigner, fake_store, titled_articles


def _utc_now() -> pd.Timestamp:
    """Now as the store writes it: UTC without a time zone."""
    return pd.Timestamp.now(tz="UTC").tz_localize(None)


def test_add_assigns_stories_and_readding_changes_nothing(tmp_path):
    with fake_store(tmp_path / "s.db") as store:
        first = store.add(
            titled_articles(
                ("1", "a0 floods north"), ("2", "a0 floods again"), ("3", "zz unrelated fire")
            )
        )
        assert assigned(first) == [
            ("1", "S1", "new"),
            ("2", "S1", "new"),
            ("3", "S2", "new"),
        ]
        history = store.history()
        again = store.add(titled_articles(("1", "a0 floods north"), ("2", "a0 floods again")))
        assert assigned(again) == [("1", "S1", "duplicate"), ("2", "S1", "duplicate")]
        copy = store.add(titled_articles(("9", "a0 floods north")))
        assert assigned(copy) == [("9", "S1", "duplicate")]
        pd.testing.assert_frame_equal(store.history(), history)
        table = store.articles().set_index("id")
        assert table.loc["9", "story"] == "S1" and len(table) == 4
        assert table.loc[["1", "2", "3", "9"], "outlier"].tolist() == [False, False, True, False]


def test_an_outlier_that_gains_a_partner_becomes_a_story(tmp_path):
    with fake_store(tmp_path / "s.db") as store:
        store.add(titled_articles(("1", "a0 lonely report")))
        assert store.articles()["outlier"].tolist() == [True]
        result = store.add(titled_articles(("2", "a0 second report")))
        assert assigned(result) == [("2", "S1", "joined")]
        assert store.articles()["outlier"].tolist() == [False, False]


def test_one_article_close_to_two_unlinked_stories_joins_one_and_merges_nothing(tmp_path):
    with fake_store(tmp_path / "s.db") as store:
        store.add(titled_articles(("a", "a0 first story")))
        store.add(titled_articles(("b", "a40 second story")))
        assert store.articles()["story"].tolist() == ["S1", "S2"]
        # c links to a and to b (20 degrees each), but a and b score 0 with each other:
        # a single bridge is no evidence that they are one story.
        result = store.add(titled_articles(("c", "a20 bridges both")))
        assert result.merges == []
        assert assigned(result) == [("c", "S1", "joined")]
        assert store.articles()["story"].tolist() == ["S1", "S2", "S1"]
        assert store.history()["event"].tolist() == ["assign"] * 3


def test_an_article_between_two_linked_stories_merges_them_into_the_older(tmp_path):
    def dated(ident, title, day):
        return {"id": ident, "title": title, "published": f"2021-07-0{day}"}

    with fake_store(tmp_path / "s.db") as store:
        # Four days apart: outside the store's 72-hour window, so never compared on adding.
        store.add(articles_from_records([dated("a", "a0 first report", 1)]).articles)
        store.add(articles_from_records([dated("b", "a5 later report", 5)]).articles)
        assert store.articles()["story"].tolist() == ["S1", "S2"]
        result = store.add(articles_from_records([dated("c", "a3 in between", 3)]).articles)
        assert result.merges == [("S2", "S1")]
        assert assigned(result) == [("c", "S1", "joined")]
        assert store.articles()["story"].tolist() == ["S1"] * 3
        events = store.history()[["event", "article", "story", "other"]].fillna("-")
        assert events.iloc[-2:].values.tolist() == [
            ["merge", "-", "S1", "S2"],
            ["assign", "c", "S1", "-"],
        ]
        _, stories = store.stories()
        assert [(s.id, s.size) for s in stories] == [("S1", 3)]


def test_a_store_keeps_its_model_and_dimension_not_its_version(tmp_path):
    with fake_store(tmp_path / "s.db") as store:
        store.add(titled_articles(("1", "a0 floods north")))
    other = AngleEmbedder()
    other.model = "another"
    with pytest.raises(StoreError, match=r"s\.db holds vectors of angle-fake, not another$"):
        StoryStore(tmp_path / "s.db", other)
    upgraded = AngleEmbedder()
    upgraded.version = "angle-fake@2"  # a new release of the model's package
    with StoryStore(tmp_path / "s.db", upgraded, cosine_assigner()) as store:
        assert assigned(store.add(titled_articles(("2", "a0 floods again")))) == [
            ("2", "S1", "joined")
        ]
    narrower = AngleEmbedder()
    narrower.encode = lambda texts: AngleEmbedder().encode(texts)[:, :32]
    with (
        StoryStore(tmp_path / "s.db", narrower, cosine_assigner()) as store,
        pytest.raises(StoreError, match=r"s\.db holds vectors of dimension 64, not 32$"),
    ):
        store.add(titled_articles(("3", "a0 floods later")))


_WRITER = """
import sys, time
sys.path.insert(0, {root!r})
from clustering import articles_from_records
from clustering.store.store import StoryStore
from tests.fakes import AngleEmbedder, cosine_assigner
prefix, count, pause_after = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
store = StoryStore(sys.argv[4], AngleEmbedder(), cosine_assigner())
if pause_after:
    real = StoryStore._new_story
    calls = []
    def slow(self, db, at):
        calls.append(1)
        if len(calls) == pause_after:
            print("inside", flush=True)
            time.sleep(60)
        return real(self, db, at)
    StoryStore._new_story = slow
rows = [{{"id": f"{{prefix}}{{i}}", "title": f"w{{prefix}}{{i}} report"}} for i in range(count)]
store.add(articles_from_records(rows).articles)
print("done", flush=True)
"""


def _writer(tmp_path, prefix, count, pause_after=0):
    script = tmp_path / "writer.py"
    script.write_text(_WRITER.format(root=str(ROOT)))
    return subprocess.Popen(
        [sys.executable, str(script), prefix, str(count), str(pause_after), str(tmp_path / "s.db")],
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow  # starts a writer process
def test_kill_9_in_the_middle_of_an_add_leaves_all_or_nothing(tmp_path):
    with fake_store(tmp_path / "s.db") as store:
        store.add(titled_articles(("kept", "a0 before the crash")))
    writer = _writer(tmp_path, "x", 40, pause_after=25)
    assert writer.stdout.readline().strip() == "inside"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    connection = sqlite3.connect(tmp_path / "s.db")
    assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    connection.close()
    with fake_store(tmp_path / "s.db") as store:
        assert store.articles()["id"].tolist() == ["kept"]
        assert len(store.history()) == 1
        result = store.add(titled_articles(("after", "a0 after the crash")))
        assert assigned(result) == [("after", "S1", "joined")]


@pytest.mark.slow  # starts two writer processes
def test_two_writers_at_once_lose_nothing(tmp_path):
    fake_store(tmp_path / "s.db").close()
    writers = [_writer(tmp_path, prefix, 60) for prefix in ("p", "q")]
    outputs = [w.communicate(timeout=120)[0] for w in writers]
    assert [w.returncode for w in writers] == [0, 0]
    assert outputs == ["done\n", "done\n"]
    with fake_store(tmp_path / "s.db") as store:
        ids = store.articles()["id"].tolist()
    assert sorted(ids) == sorted([f"p{i}" for i in range(60)] + [f"q{i}" for i in range(60)])
    connection = sqlite3.connect(tmp_path / "s.db")
    assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert connection.execute("SELECT count(*) FROM history").fetchone() == (120,)
    connection.close()


def test_order_of_publication_is_used_for_the_time_window(tmp_path):
    rows = [
        {"id": "1", "title": "a0 early", "published": "2021-07-01"},
        {"id": "2", "title": "a0 much later", "published": "2021-09-01"},
    ]
    with fake_store(tmp_path / "s.db") as store:
        store.add(articles_from_records(rows[:1]).articles)
        result = store.add(articles_from_records(rows[1:]).articles)
    assert assigned(result) == [("2", "S2", "new")]


def test_cli_add_stories_export(runner, tmp_path):
    from clustering.cli import main
    from tests.conftest import SEED_FILES, SEEDS

    db = str(tmp_path / "s.db")
    started = _utc_now()
    first = runner.invoke(main, ["add", "--store", db, str(SEED_FILES[0]), str(SEED_FILES[1])])
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines() == [
        "000_6a94ddf4fcffe0c0.txt\tS1\tnew",
        "001_b7f091aae76eeadc.txt\tS2\tnew",
    ]
    second = runner.invoke(main, ["add", "--store", db, str(SEEDS), "nope.txt"])
    assert second.exit_code == 2
    assert second.stderr == "Error: nope.txt: no such file or directory\n"
    assert second.stdout.splitlines() == [
        "000_6a94ddf4fcffe0c0.txt\tS1\tduplicate",
        "001_b7f091aae76eeadc.txt\tS2\tduplicate",
        "002_58349e569f7a92d2.txt\tS1\tjoined",
        "003_d63d3c6d141cb4c1.txt\tS3\tnew",
        "004_5504c892ed689994.txt\tS1\tjoined",
    ]
    listed = runner.invoke(main, ["stories", "--store", db, "--format", "json"])
    stories = json.loads(listed.stdout)["stories"]
    assert [(s["story"], s["size"], s["outlier"]) for s in stories] == [
        ("S1", 3, False),
        ("S2", 1, True),
        ("S3", 1, True),
    ]
    exported = runner.invoke(main, ["export", "--store", db, "--format", "jsonl"])
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [(r["id"], r["story"], r["outlier"]) for r in rows] == [
        ("000_6a94ddf4fcffe0c0.txt", "S1", False),
        ("001_b7f091aae76eeadc.txt", "S2", True),
        ("002_58349e569f7a92d2.txt", "S1", False),
        ("003_d63d3c6d141cb4c1.txt", "S3", True),
        ("004_5504c892ed689994.txt", "S1", False),
    ]
    # Every row, copies included, says when the store first saw it (ISO time in UTC, "Z").
    first_seen = [r["first_seen"] for r in rows]
    assert all(isinstance(value, str) and value.endswith("Z") for value in first_seen)
    seen = [pd.Timestamp(value).tz_localize(None) for value in first_seen]
    assert all(pd.notna(t) for t in seen), first_seen
    assert all(started <= t <= _utc_now() for t in seen), (started, first_seen)


@pytest.mark.slow  # runs samestory watch in a process of its own
def test_watch_polls_and_stops_cleanly_on_ctrl_c(tmp_path):
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "one.txt").write_text("Floods hit the northern province after days of rain.")
    command = [
        sys.executable,
        "-m",
        "clustering.cli",
        "watch",
        "--store",
        str(tmp_path / "s.db"),
        str(folder),
        "--interval",
        "0.2",
    ]
    # A script's background job (`pytest … &`) starts with SIGINT ignored, which a child
    # inherits; a handler is reset to the default at exec: the watcher gets Ctrl-C as from
    # a terminal however the tests were started.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        watcher = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    assert watcher.stdout.readline() == "one.txt\tS1\tnew\n"
    (folder / "two.txt").write_text("Wildfires spread across the southern hills overnight.")
    assert watcher.stdout.readline() == "two.txt\tS2\tnew\n"
    time.sleep(0.3)
    watcher.send_signal(signal.SIGINT)
    out, err = watcher.communicate(timeout=30)
    assert watcher.returncode == 0
    assert out == "" and err.endswith("Stopped.\n")


def test_watch_count(runner, tmp_path):
    from clustering.cli import main

    (tmp_path / "one.txt").write_text("Floods hit the northern province after days of rain.")
    result = runner.invoke(
        main,
        [
            "watch",
            "--store",
            str(tmp_path / "s.db"),
            str(tmp_path),
            "--interval",
            "0.001",
            "--count",
            "2",
        ],
    )
    assert result.exit_code == 0
    assert result.stdout == "one.txt\tS1\tnew\n"


@pytest.mark.data
@pytest.mark.slow
def test_og2021_in_twenty_batches_is_close_to_batch_clustering(og2021_file, tmp_path):
    from clustering import StoryClusterer, load_articles
    from clustering.evaluation.metrics import score
    from embeddings import CachedEmbedder, get_embedder

    articles = load_articles([og2021_file]).articles
    embedder = CachedEmbedder(get_embedder("use"))
    batch = StoryClusterer(embedder=embedder).fit(articles)
    batch_f1 = score(list(batch.labels_), list(articles["story"])).bcubed_f1
    ordered = articles.sort_values(["published", "id"], kind="stable").reset_index(drop=True)
    with StoryStore(tmp_path / "og.db", embedder) as store:
        for part in range(20):
            store.add(ordered.iloc[part * len(ordered) // 20 : (part + 1) * len(ordered) // 20])
        stored = store.articles().set_index("id")["story"]
    incremental_f1 = score([stored[i] for i in articles["id"]], list(articles["story"])).bcubed_f1
    assert abs(incremental_f1 - batch_f1) <= 0.03


def test_stories_since_keeps_recent_stories(runner, tmp_path):
    from clustering.cli import main

    rows = [
        {"id": "old", "title": "a0 old floods", "published": "2021-07-01"},
        {"id": "new", "title": "zz new fires", "published": "2021-08-01"},
    ]
    db = tmp_path / "s.db"
    with fake_store(db) as store:
        store.add(articles_from_records(rows).articles)
        _, recent = store.stories(pd.Timestamp("2021-07-15"))
    assert [s.members for s in recent] == [("new",)]
    listed = runner.invoke(
        main,
        [
            "stories",
            "--store",
            str(db),
            "--since",
            "2021-07-15",
            "--format",
            "jsonl",
            "--model",
            "use",
        ],
    )
    assert listed.exit_code == 2
    assert listed.stderr == (
        f"Error: {db} holds vectors of angle-fake, not use: "
        "leave the model out to use the store's\n"
    )


@pytest.mark.slow
def test_seeds_one_file_at_a_time_after_every_first_pair_give_the_three_stories(tmp_path):
    """A feed delivers articles one by one: the first pairs must not decide wrongly."""
    import itertools

    from clustering import load_articles
    from embeddings import CachedEmbedder, get_embedder
    from tests.conftest import SEED_FILES

    embedder = CachedEmbedder(get_embedder("use"))
    one = {path.name[:3]: load_articles([path]).articles for path in SEED_FILES}
    event = {"000": "N", "002": "N", "004": "N", "001": "Q", "003": "R"}
    # Every ordered pair of first two articles (20 of the 120 orders), the rest in turn: the
    # first pair is where a store decides with the least context.
    orders = [
        (*pair, *(name for name in sorted(one) if name not in pair))
        for pair in itertools.permutations(sorted(one), 2)
    ]
    wrong = []
    for k, order in enumerate(orders):
        with StoryStore(tmp_path / f"s{k}.db", embedder) as store:
            for name in order:
                store.add(one[name])
            story = store.articles().set_index("id")["story"]
        found = {frozenset(event[i[:3]] for i in story.index[story == s]) for s in set(story)}
        if len(set(story)) != 3 or any(len(events) != 1 for events in found):
            wrong.append(order)
    assert wrong == []


@pytest.mark.slow
def test_the_store_keeps_its_articles_second_model_vectors(tmp_path):
    """Each add reads its neighbours' e5 head vectors from the store instead of embedding them."""
    from clustering.evidence.cascade import head_text
    from embeddings import get_embedder

    titles = [
        "Strong earthquake shakes eastern Turkey, buildings damaged",
        "Earthquake in eastern Turkey damages buildings",
        "Greek ferry workers strike, ports paralysed",
    ]
    with StoryStore(tmp_path / "s.db", get_embedder("use")) as store:
        for n, title in enumerate(titles):
            store.add(titled_articles((f"a{n}", title)))
    e5 = get_embedder("e5")
    kept = (
        sqlite3.connect(tmp_path / "s.db").execute("SELECT model, vector FROM vectors").fetchall()
    )
    assert [model for model, _ in kept] == [e5.version] * 3
    made = e5.encode([head_text(title, "") for title in titles])
    assert sorted(bytes(v) for _, v in kept) == sorted(v.tobytes() for v in made)


def test_a_local_story_joins_its_strongest_stored_story_and_merges_only_on_average():
    """Where the old rule merged every stored story of a local story into the oldest."""
    from scipy.sparse import csr_matrix

    from clustering.grouping.placement import decide

    # Rows 0-1 are stored story S1, row 2 S2, rows 3-4 new; one local story.
    scores = np.array(
        [
            [1.0, 0.9, 0.1, 0.7, 0.5],
            [0.9, 1.0, 0.1, 0.6, 0.4],
            [0.1, 0.1, 1.0, 0.8, 0.9],
            [0.7, 0.6, 0.8, 1.0, 0.9],
            [0.5, 0.4, 0.9, 0.9, 1.0],
        ]
    )
    stories = np.array(["S1", "S1", "S2"])
    plan = decide(np.zeros(5, dtype=int), stories, csr_matrix(scores), 0.5)
    # New to S1 averages 0.55, to S2 0.85; the two stories average 0.1.
    assert (plan.groups, plan.status, plan.targets, plan.merges) == (
        [0, 0],
        ["joined", "joined"],
        {0: "S2"},
        [],
    )
    scores[:2, 2] = scores[2, :2] = 0.6
    plan = decide(np.zeros(5, dtype=int), stories, csr_matrix(scores), 0.5)
    assert (plan.targets, plan.merges) == ({0: "S1"}, [("S2", "S1")])
    # The local clustering put them together: weak averages still join, but never merge.
    scores[3:, :3] = scores[:3, 3:] = 0.3
    plan = decide(np.zeros(5, dtype=int), stories, csr_matrix(scores), 0.5)
    assert (plan.status, plan.targets, plan.merges) == (["joined"] * 2, {0: "S1"}, [])


def test_a_corrected_article_keeps_its_id_and_story(tmp_path):
    with fake_store(tmp_path / "s.db") as store:
        store.add(
            titled_articles(("1", "a0 floods north"), ("2", "a0 floods again"), ("3", "zz fire"))
        )
        store.add(titled_articles(("9", "a0 floods north")))  # a copy of 1
        corrected = store.add(
            titled_articles(("1", "a1 floods north, 12 dead"), ("2", "a0 floods again"))
        )
        assert assigned(corrected) == [
            ("1", "S1", "updated"),
            ("2", "S1", "duplicate"),
        ]
        again = store.add(titled_articles(("1", "a1 floods north, 12 dead")))
        assert assigned(again) == [("1", "S1", "duplicate")]
        table = store.articles().set_index("id")
        # The copy keeps the text it was sent with (issue 26): only 1 was corrected.
        assert table.loc[["1", "9"], "title"].tolist() == [
            "a1 floods north, 12 dead",
            "a0 floods north",
        ]
        events = store.history()[["event", "article", "story"]].values.tolist()
        assert events[-1] == ["update", "1", "S1"] and len(events) == 4
        # The copy's id sent again with its text changes nothing.
        again = store.add(titled_articles(("9", "a0 floods north")))
        assert assigned(again) == [("9", "S1", "duplicate")]
        # Within one batch, the last version of an id counts.
        versions = [
            titled_articles(("4", "zz unrelated")),
            titled_articles(("4", "a0 floods later")),
        ]
        twice = store.add(pd.concat(versions, ignore_index=True))
        assert assigned(twice) == [("4", "S1", "duplicate"), ("4", "S1", "joined")]
        table = store.articles().set_index("id")
        assert table.loc["4", "title"] == "a0 floods later"
        assert table.loc["9", "title"] == "a0 floods north"
        assert sorted(table.index) == ["1", "2", "3", "4", "9"]
        # A correction moves the article in the index too: new articles meet its new vector.
        near = store.add(titled_articles(("5", "a1 more floods")))
        assert assigned(near) == [("5", "S1", "joined")]
