"""Opening a story store file: missing, read-only, damaged, locked, of another schema; its model."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time

import pytest

from clustering.store.store import StoreError, StoryStore
from tests.conftest import ROOT
from tests.fakes import AngleEmbedder, assigned, cosine_assigner, fake_store, titled_articles


def _named_use():
    """The fake model under the name of the default one: the CLI opens its stores unloaded."""
    from embeddings import get_embedder

    fake = AngleEmbedder()
    fake.model, fake.version = "use", get_embedder("use").version
    return fake


def _filled_store(path, embedder=None):
    """A store of three articles in two stories, made with the fake model."""
    with StoryStore(path, embedder or AngleEmbedder(), cosine_assigner()) as store:
        store.add(
            titled_articles(
                ("1", "a0 floods north"), ("2", "a0 floods again"), ("3", "zz other fire")
            )
        )


def _cli(runner, *args):
    from clustering.cli import main

    return runner.invoke(main, [str(a) for a in args])


@pytest.mark.parametrize("command", ["stories", "export"])
def test_reading_a_missing_store_creates_nothing(runner, tmp_path, command):
    typo = tmp_path / "sotre.db"
    result = _cli(runner, command, "--store", typo)
    assert (result.exit_code, result.stderr) == (2, f"Error: {typo}: no such story store\n")
    assert list(tmp_path.iterdir()) == []


def test_readers_do_not_wait_for_a_writer(runner, tmp_path):
    db = tmp_path / "s.db"
    _filled_store(db)
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO history (at, event, story) VALUES ('now', 'x', 'S1')")
    started = time.monotonic()
    exported = _cli(runner, "export", "--store", db)
    listed = _cli(runner, "stories", "--store", db, "--format", "jsonl")
    reported = _cli(runner, "report", "--store", db, "-o", tmp_path / "r.html")
    with StoryStore(db, AngleEmbedder(), read_only=True) as store:
        assert len(store.history()) == 3  # the writer's uncommitted row is not seen
        with pytest.raises(StoreError, match=r"s\.db: opened read-only, so nothing can be added$"):
            store.add(titled_articles(("4", "a0 more floods")))
    assert time.monotonic() - started < 20
    writer.execute("ROLLBACK")
    assert (exported.exit_code, listed.exit_code, reported.exit_code) == (0, 0, 0), (
        exported.output + listed.output + reported.output
    )
    assert [json.loads(line)["id"] for line in exported.stdout.splitlines()] == ["1", "2", "3"]
    assert len(listed.stdout.splitlines()) == 3
    (tmp_path / "new.txt").write_text("Floods hit the northern province after days of rain.")
    added = _cli(runner, "add", "--store", db, tmp_path / "new.txt")
    assert (added.exit_code, added.stderr) == (
        2,
        f"Error: {db} holds vectors of angle-fake, a model samestory cannot make by name: "
        "add to it from Python with that embedder\n",
    )


def _without_write_access(args, cwd):
    """Run the CLI in a process that may not write what it does not own for writing."""
    import os
    import shutil

    command = [sys.executable, "-m", "clustering.cli", *map(str, args)]
    if os.geteuid() == 0:  # root writes anywhere unless it drops the capability
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv")
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


@pytest.mark.slow  # starts the CLI in processes of their own
def test_a_store_in_a_read_only_folder_is_read_and_refuses_add_in_one_line(tmp_path):
    from embeddings import get_embedder

    folder = tmp_path / "ro"
    folder.mkdir()
    # The real model's vectors: export computes each article's confidence with its evidence.
    _filled_store(folder / "s.db", get_embedder("use"))
    (tmp_path / "new.txt").write_text("Floods hit the northern province after days of rain.")
    (folder / "s.db").chmod(0o444)
    folder.chmod(0o555)
    try:
        exported = _without_write_access(["export", "--store", "s.db"], folder)
        added = _without_write_access(
            ["add", "--store", "s.db", "--no-cache", tmp_path / "new.txt"], folder
        )
    finally:
        folder.chmod(0o755)
    assert exported.returncode == 0, exported.stderr
    assert [json.loads(line)["id"] for line in exported.stdout.splitlines()] == ["1", "2", "3"]
    assert added.returncode == 2
    assert added.stderr == (
        "Error: s.db: the store cannot be written (a read-only file or folder) "
        "(attempt to write a readonly database)\n"
    )
    assert sorted(p.name for p in folder.iterdir()) == ["s.db"]


def _damaged(path):
    _filled_store(path)
    data = bytearray(path.read_bytes())
    data[4096:8192] = b"\xff" * 4096  # the second page: a table's b-tree
    path.write_bytes(bytes(data))


def _not_a_store(path):
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE vectors (model TEXT)")
    connection.close()


@pytest.mark.parametrize(
    "make, problem",
    [
        (
            lambda p: p.write_text("id,title\n1,floods\n"),
            "not a SQLite database (file is not a database)",
        ),
        (_damaged, "the store is damaged (database disk image is malformed)"),
        (_not_a_store, "a SQLite database, but not a story store"),
    ],
    ids=["text", "damaged", "other-database"],
)
@pytest.mark.parametrize("command", ["add", "stories", "export"])
def test_an_unusable_store_file_gets_one_line(runner, tmp_path, make, problem, command):
    db = tmp_path / "s.db"
    make(db)
    before = db.read_bytes()
    (tmp_path / "new.txt").write_text("Floods hit the northern province after days of rain.")
    extra = [tmp_path / "new.txt", "--no-cache"] if command == "add" else []
    result = _cli(runner, command, "--store", db, *extra)
    assert (result.exit_code, result.stderr) == (2, f"Error: {db}: {problem}\n")
    assert db.read_bytes() == before


def test_a_store_that_stays_locked_gets_one_line(runner, tmp_path, monkeypatch):
    from clustering.store import database

    db = tmp_path / "s.db"
    _filled_store(db, _named_use())
    monkeypatch.setattr(database, "BUSY_TIMEOUT", 0.2)
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError) as raised:
            StoryStore(db, _named_use())
        (tmp_path / "new.txt").write_text("Floods hit the northern province after days of rain.")
        result = _cli(runner, "add", "--store", db, tmp_path / "new.txt")
    finally:
        writer.execute("ROLLBACK")
    message = f"{db}: the store stays locked by another process (database is locked)"
    assert str(raised.value) == message
    assert (result.exit_code, result.stderr) == (2, f"Error: {message}\n")


def _version_0_store(path):
    """A store as samestory wrote it before schema versions: the model with its version."""
    from clustering.store.database import MIGRATIONS

    connection = sqlite3.connect(path)
    MIGRATIONS[0](connection)
    connection.executescript(
        "INSERT INTO meta VALUES ('model', 'angle-fake@1'), ('next_story', '2');"
        "INSERT INTO stories VALUES ('S1', '2021-07-01T00:00:00', NULL);"
        "INSERT INTO history (at, event, article, story) "
        "VALUES ('2021-07-01T00:00:00', 'assign', '1', 'S1');"
    )
    vector = AngleEmbedder().encode(["a0 floods north"])[0].tobytes()
    connection.execute(
        "INSERT INTO articles (id, digest, title, text, first_seen, story, vector) "
        "VALUES ('1', x'00', 'a0 floods north', '', '2021-07-01T00:00:00', 'S1', ?)",
        (vector,),
    )
    connection.commit()
    connection.close()


def test_a_store_of_an_older_schema_is_read_as_is_and_migrated_for_writing(tmp_path):
    from clustering.store.database import SCHEMA_VERSION

    db = tmp_path / "s.db"
    _version_0_store(db)

    def version_and_meta():
        connection = sqlite3.connect(db)
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        found = dict(connection.execute("SELECT key, value FROM meta WHERE key != 'next_story'"))
        connection.close()
        return version, found

    with StoryStore(db, AngleEmbedder(), read_only=True) as store:
        assert store.articles()["id"].tolist() == ["1"]
    assert version_and_meta() == (0, {"model": "angle-fake@1"})
    with fake_store(db) as store:
        assert version_and_meta() == (SCHEMA_VERSION, {"model": "angle-fake", "dimension": "64"})
        result = store.add(titled_articles(("2", "a0 floods again")))
    assert assigned(result) == [("2", "S1", "joined")]


@pytest.mark.parametrize("read_only", [False, True])
def test_a_store_of_a_newer_schema_is_refused_in_one_line(tmp_path, read_only):
    from clustering.store.database import SCHEMA_VERSION

    db = tmp_path / "s.db"
    _filled_store(db)
    connection = sqlite3.connect(db)
    connection.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(StoreError) as raised:
        StoryStore(db, AngleEmbedder(), read_only=read_only)
    assert str(raised.value) == (
        f"{db}: made by a newer samestory (store version {SCHEMA_VERSION + 1}, this one knows "
        f"up to {SCHEMA_VERSION}): upgrade samestory"
    )


@pytest.mark.parametrize(
    "earlier, model",
    [
        ("use-multilingual-v3", "use"),  # schema 2 and 3: the version without its release
        ("use-multilingual-v3@1.0.2", "use"),  # schema 1: the whole version
        ("multilingual-e5-small-q4", "e5"),
    ],
)
def test_a_store_that_recorded_its_model_by_an_earlier_name_opens_with_it(
    runner, tmp_path, earlier, model
):
    from clustering.store.opening import store_embedder

    db = tmp_path / "s.db"
    _filled_store(db, _named_use())
    connection = sqlite3.connect(db)
    assert connection.execute("SELECT value FROM meta WHERE key = 'model'").fetchone() == ("use",)
    with connection:
        connection.execute("UPDATE meta SET value = ? WHERE key = 'model'", (earlier,))
    connection.close()
    assert store_embedder(db, read_only=True, cache=False).model == model
    other = "e5" if model == "use" else "use"
    refused = _cli(runner, "stories", "--store", db, "--model", other)
    assert (refused.exit_code, refused.stderr) == (
        2,
        f"Error: {db} holds vectors of {model}, not {other}: leave the model out to use the "
        "store's\n",
    )


def test_a_model_that_cannot_load_creates_no_store(runner, tmp_path, monkeypatch):
    from embeddings import EmbedderError
    from embeddings.sentence_transformers import SentenceTransformerEmbedder

    def missing(self):
        raise EmbedderError(f"cannot load sentence-transformers model {self.source!r} offline")

    monkeypatch.setattr(SentenceTransformerEmbedder, "_load", missing)
    (tmp_path / "new.txt").write_text("Floods hit the northern province after days of rain.")
    db = tmp_path / "s.db"
    result = _cli(runner, "add", "--store", db, "--model", "usee", tmp_path / "new.txt")
    assert result.exit_code == 2
    assert result.stderr == "Error: cannot load sentence-transformers model 'usee' offline\n"
    assert not db.exists()


def test_the_store_embeds_with_its_own_model(runner, tmp_path):
    db = tmp_path / "s.db"
    (tmp_path / "one.txt").write_text("Floods hit the northern province after days of rain.")
    (tmp_path / "two.txt").write_text("Floods in the northern province after heavy rain.")
    made = _cli(runner, "add", "--store", db, "--model", "e5", tmp_path / "one.txt")
    assert made.exit_code == 0, made.output
    added = _cli(runner, "add", "--store", db, tmp_path / "two.txt")  # no --model: the store's
    assert (added.exit_code, added.stdout) == (0, "two.txt\tS1\tjoined\n"), added.output
    refused = _cli(runner, "add", "--store", db, "--model", "use", tmp_path / "two.txt")
    assert (refused.exit_code, refused.stderr) == (
        2,
        f"Error: {db} holds vectors of e5, not use: leave the model out to use the store's\n",
    )
    listed = _cli(runner, "stories", "--store", db, "--format", "jsonl")
    assert listed.exit_code == 0, listed.output
    assert [json.loads(line)["story"] for line in listed.stdout.splitlines()] == ["S1"] * 2
