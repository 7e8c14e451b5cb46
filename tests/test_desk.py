"""The desk's pages and its guards, through Starlette's TestClient (no server, no browser)."""

from __future__ import annotations

import http.client
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import pytest
from starlette.testclient import TestClient

from clustering import articles_from_records
from clustering.cli import main
from clustering.desk.app import Desk, make_app
from clustering.desk.watching import Watcher
from tests.fakes import AngleEmbedder, cosine_assigner, fake_store, titled_articles

SCRIPT = "a0 <script>alert(1)</script>"
IMAGE = 'a0 "><img src=x onerror=alert(1)>'
LOCAL = "http://127.0.0.1"


@pytest.fixture
def store_path(tmp_path):
    path = tmp_path / "desk.db"
    with fake_store(path) as store:
        store.add(titled_articles(("s1", "a0 report"), ("s2", IMAGE), ("q1", "a90 quake")))
    with sqlite3.connect(path) as db:  # reading cleans markup away: store it as some feed might
        db.execute("UPDATE articles SET title = ? WHERE id = 's1'", (SCRIPT,))
    return path


def _client(path, token=None, read_only=False) -> TestClient:
    desk = Desk(path, AngleEmbedder(), cosine_assigner(), read_only=read_only)
    return TestClient(make_app(desk, token=token), base_url=LOCAL, follow_redirects=False)


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def _stories(path) -> dict[str, str]:
    with fake_store(path) as store:
        articles = store.articles()
    return dict(zip(articles["id"], articles["story"], strict=True))


def test_the_list_and_the_story_page_show_markup_as_text(store_path):
    client = _client(store_path)
    page = client.get("/")
    assert page.status_code == 200
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    story = client.get("/story/S1")
    assert "a0 &lt;script&gt;alert(1)&lt;/script&gt;" in story.text
    assert "a0 &#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in story.text
    assert "<img" not in story.text and "<script>alert" not in story.text
    assert client.get("/story/S9").status_code == 404


def test_a_split_from_the_page_sticks_and_undoes(store_path):
    client = _client(store_path)
    csrf = _csrf(client.get("/story/S1").text)
    done = client.post("/split", data={"csrf": csrf, "ids": "s2", "story": "S1", "note": "other"})
    assert (done.status_code, done.headers["location"]) == (
        303,
        "/story/S3?done=correction+1+%28split%29%3A+S3",
    )
    assert _stories(store_path) == {"s1": "S1", "s2": "S3", "q1": "S2"}
    page = client.get("/story/S3").text
    assert "correction 1: “other”" in page
    client.post("/undo", data={"csrf": csrf, "event": "1"})
    assert _stories(store_path)["s2"] == "S1"


def test_no_action_without_the_token(store_path):
    client = _client(store_path, token="sesame")
    assert client.get("/").status_code == 401
    assert client.post("/split", data={"ids": "s2"}).status_code == 401
    assert client.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
    entered = client.get("/?token=sesame")
    assert (entered.status_code, entered.headers["location"]) == (303, "/")
    assert "HttpOnly" in entered.headers["set-cookie"]
    assert "SameSite=strict" in entered.headers["set-cookie"]
    csrf = _csrf(client.get("/story/S1").text)  # the cookie now carries the token
    assert client.post("/split", data={"csrf": csrf, "ids": "s2"}).status_code == 303
    assert _stories(store_path)["s2"] == "S3"
    bearer = _client(store_path, token="sesame")
    assert bearer.get("/", headers={"Authorization": "Bearer sesame"}).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_no_action_from_another_origin(store_path, headers):
    client = _client(store_path)
    csrf = _csrf(client.get("/story/S1").text)
    refused = client.post("/split", data={"csrf": csrf, "ids": "s2"}, headers=headers)
    assert refused.status_code == 403
    assert _stories(store_path)["s2"] == "S1"


def test_no_action_without_the_forms_csrf_token(store_path):
    client = _client(store_path)
    for data in ({"ids": "s2"}, {"ids": "s2", "csrf": "guess"}):
        assert client.post("/split", data=data).status_code == 403
    assert _stories(store_path)["s2"] == "S1"


def test_only_loopback_names_are_answered_without_a_token(store_path):
    client = _client(store_path)
    assert client.get("/", headers={"Host": "evil.example:8750"}).status_code == 421
    assert client.get("/", headers={"Host": "localhost:8750"}).status_code == 200


def test_read_only_has_no_actions(store_path):
    client = _client(store_path, read_only=True)
    page = client.get("/story/S1").text
    assert '<form method="post"' not in page and 'name="csrf"' not in page
    assert client.post("/split", data={"ids": "s2"}).status_code in (404, 405)
    assert _stories(store_path)["s2"] == "S1"


def test_a_bad_correction_is_one_line_on_the_page(store_path):
    client = _client(store_path)
    csrf = _csrf(client.get("/story/S1").text)
    page = client.post("/split", data={"csrf": csrf, "ids": ["s1", "s2"], "story": "S1"})
    assert page.status_code == 409
    assert "s1, s2 are all of S1: nothing would be left" in page.text


def test_the_list_filters_by_search_and_language(store_path):
    client = _client(store_path)
    assert 'data-story="S2"' in client.get("/?q=QUAKE").text
    assert 'data-story="S1"' not in client.get("/?q=quake").text
    assert 'data-story="S1"' not in client.get("/?lang=xx").text


def test_a_non_loopback_bind_needs_a_token(runner, store_path):
    out = runner.invoke(main, ["serve", "--store", str(store_path), "--host", "0.0.0.0"])
    assert out.exit_code == 2
    assert out.output == (
        "Error: --host 0.0.0.0 lets other machines in: give --token "
        "(every request then carries it)\n"
    )


def test_serve_without_the_desk_extra_gives_the_install_hint(runner, store_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if it were not installed
    out = runner.invoke(main, ["serve", "--store", str(store_path)])
    assert out.exit_code == 2
    assert out.output == (
        "Error: samestory serve needs the desk extra: pip install 'samestory[desk]' "
        "(uvicorn is missing)\n"
    )


def test_the_list_shows_what_is_added_after_it_was_rendered(store_path):
    client = _client(store_path)
    assert 'data-story="S3"' not in client.get("/").text
    with fake_store(store_path) as store:
        store.add(titled_articles(("f1", "a45 fire")))
    assert 'data-story="S3"' in client.get("/").text


def test_watch_polls_into_the_store_and_the_page_shows_its_state(store_path, tmp_path):
    feed = tmp_path / "wire.jsonl"
    feed.write_text('{"id": "w1", "title": "a45 wire report"}\n', encoding="utf-8")
    missing = str(tmp_path / "gone.jsonl")
    desk = Desk(store_path, AngleEmbedder(), cosine_assigner())
    desk.watcher = Watcher(
        store_path, desk.embedder, desk.assigner, [str(feed), missing], interval=3600
    )
    with TestClient(make_app(desk), base_url=LOCAL) as client:  # runs the lifespan
        deadline = time.monotonic() + 20
        while sum(s.polls for s in desk.watcher.state()) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        page = client.get("/").text
    assert _stories(store_path)["w1"] == "S3"
    ok, failing = desk.watcher.state()
    assert (ok.added, ok.failures, failing.failures, failing.failing) == (1, 0, 1, True)
    assert "Watched sources" in page and "failing: " in page and "wire.jsonl" in page


def test_a_copy_counts_in_the_list_as_on_the_story_page(store_path):
    with fake_store(store_path) as store:
        store.add(
            articles_from_records([{"id": "c1", "title": "a90 quake", "source": "Wire"}]).articles
        )
    client = _client(store_path)
    row = re.search(r'<tr data-story="S2">.*?</tr>', client.get("/").text, re.S).group(0)
    assert '<td class="num">2</td>' in row and "<td>Wire</td>" in row
    assert client.get("/story/S2").text.count("<tr data-article=") == 2


@pytest.mark.slow
def test_ctrl_c_stops_the_desk_at_once_with_a_page_listening(store_path):
    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = ["serve", "--store", str(store_path), "--port", str(port)]
    server = subprocess.Popen(
        [sys.executable, "-m", "clustering.cli", *command],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            live = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            live.request("GET", "/events")
            stream = live.getresponse()
            break
        except OSError:
            assert time.monotonic() < deadline and server.poll() is None
            time.sleep(0.2)
    assert stream.readline() == b"event: hello\n"
    began = time.monotonic()
    server.send_signal(signal.SIGINT)
    _, stderr = server.communicate(timeout=20)
    assert server.returncode == 0 and time.monotonic() - began < 5
    assert stderr.endswith("(Ctrl-C stops it).\nStopped.\n") and "Traceback" not in stderr


def test_the_most_recently_active_story_comes_first(store_path):
    with fake_store(store_path) as store:
        store.add(titled_articles(("q2", "a90 aftershock")))
    page = _client(store_path).get("/").text
    assert re.findall(r'<tr data-story="(S\d+)">', page) == ["S2", "S1"]


def test_a_link_cannot_put_its_own_words_on_the_page(store_path):
    client = _client(store_path)
    assert "Call us" not in client.get("/?done=Call+us+at+555").text
    shown = client.get("/?done=correction+2+%28undo+split%29%3A+S1").text
    assert '<p class="done" role="status">correction 2 (undo split): S1</p>' in shown


def test_merge_and_separate_from_the_page(store_path):
    client = _client(store_path)
    csrf = _csrf(client.get("/story/S1").text)
    merged = client.post("/merge", data={"csrf": csrf, "story": "S2", "others": "S1"})
    assert merged.headers["location"].startswith("/story/S1?done=correction+1+%28merge")
    assert set(_stories(store_path).values()) == {"S1"}
    assert client.get("/story/S2").headers["location"] == "/story/S1"
    client.post("/separate", data={"csrf": csrf, "first": "s1", "second": "q1"})
    assert _stories(store_path)["q1"] == "S3"
