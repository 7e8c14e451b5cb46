"""Hostile inputs for the tests/test_hostile_*.py suites.

Entity tricks, feeds full of links, compression bombs, a server that records every request,
and a store script to kill, fill and crowd.
"""

from __future__ import annotations

import gzip
import sqlite3
import subprocess
import sys
import zlib
from functools import cache
from http.server import BaseHTTPRequestHandler

from tests.conftest import ROOT

LAUGHS = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n else "lol"}">' for n in range(10))
QUADRATIC = '<!ENTITY big "' + "x" * 50_000 + '">'
HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'


def rss(doctype: str, title: str, text: str = "Ministers met in Baku on Friday.") -> str:
    return (
        f'{HEAD}{doctype}\n<rss version="2.0"><channel><title>Wire</title><item>'
        f"<title>{title}</title><guid>e1</guid><description>{text}</description>"
        "</item></channel></rss>\n"
    )


def page(doctype: str, title: str) -> str:
    return (
        f"{HEAD}{doctype}\n<html><body><h1>{title}</h1><p>The defence ministers met in Baku "
        "on Friday and signed a plan about the border crossings.</p></body></html>\n"
    )


XXE = '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'

#: Every path the hostile server was asked for, in order.
ASKED: list[str] = []
_FORBIDDEN = "{base}/forbidden"
LINKS_RSS = f"""{HEAD}<?xml-stylesheet type="text/xsl" href="{_FORBIDDEN}/xsl"?>
<!DOCTYPE rss SYSTEM "{_FORBIDDEN}/dtd" [<!ENTITY remote SYSTEM "{_FORBIDDEN}/entity">]>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"
     xmlns:media="http://search.yahoo.com/mrss/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Wire</title><link>{_FORBIDDEN}/channel</link>
<atom:link rel="self" href="{_FORBIDDEN}/self"/>
<image><url>{_FORBIDDEN}/logo.png</url><title>Wire</title><link>{_FORBIDDEN}/i</link></image>
<item><title>a0 Ministers meet in Baku &remote;</title><link>{_FORBIDDEN}/entry</link>
<guid isPermaLink="true">{_FORBIDDEN}/guid</guid><comments>{_FORBIDDEN}/comments</comments>
<source url="{_FORBIDDEN}/source">Other wire</source>
<enclosure url="{_FORBIDDEN}/audio.mp3" length="1" type="audio/mpeg"/>
<media:content url="{_FORBIDDEN}/video.mp4"/><media:thumbnail url="{_FORBIDDEN}/thumb"/>
<description>&lt;img src="{_FORBIDDEN}/pixel.png"&gt;&lt;a href="{_FORBIDDEN}/a"&gt;
The ministers met.&lt;/a&gt;</description>
<content:encoded><![CDATA[<iframe src="{_FORBIDDEN}/frame"></iframe>
<script src="{_FORBIDDEN}/script.js"></script><p>The ministers met in Baku.</p>]]>
</content:encoded></item></channel></rss>
"""
LINKS_ATOM = f"""{HEAD}<feed xmlns="http://www.w3.org/2005/Atom" xml:base="{_FORBIDDEN}/base/">
<title>Le Fil</title><id>urn:fil</id><icon>{_FORBIDDEN}/icon</icon>
<link rel="hub" href="{_FORBIDDEN}/hub"/><link rel="next" href="{_FORBIDDEN}/page2"/>
<entry><title>a0 Les ministres à Bakou</title><id>urn:fil:1</id>
<link rel="alternate" href="{_FORBIDDEN}/entry"/><link rel="enclosure" href="{_FORBIDDEN}/enc"/>
<link rel="related" href="relative-link"/><content type="html" src="{_FORBIDDEN}/content"/>
<summary type="html">&lt;img src="{_FORBIDDEN}/pixel.png"&gt;Ils se sont rencontrés.</summary>
</entry></feed>
"""
ROUTES: dict[str, tuple[dict[str, str], bytes]] = {
    "/links.rss": ({"Content-Type": "application/rss+xml"}, LINKS_RSS.encode()),
    "/links.atom": ({"Content-Type": "application/atom+xml"}, LINKS_ATOM.encode()),
}


@cache
def bombs() -> dict[str, tuple[dict[str, str], bytes]]:
    """Compressed feeds of 60 MB (made once, when a test asks): over the 50 MB default."""
    body = (HEAD + '<rss version="2.0"><channel><!--').encode() + b" " * 60_000_000
    return {
        "/bomb-gzip": ({"Content-Encoding": "gzip"}, gzip.compress(body, 1, mtime=0)),
        "/bomb-deflate": ({"Content-Encoding": "deflate"}, zlib.compress(body, 1)),
        "/bomb-double": (  # gzip inside gzip, declared once
            {"Content-Encoding": "gzip"},
            gzip.compress(gzip.compress(body, 1, mtime=0), 1, mtime=0),
        ),
    }


class Recording(BaseHTTPRequestHandler):
    """Serves ``ROUTES`` (``{base}`` filled in) and records every path it is asked for."""

    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        ASKED.append(self.path)
        routes = {**ROUTES, **bombs()} if self.path.startswith("/bomb") else ROUTES
        headers, body = routes.get(self.path, ({}, b"forbidden"))
        base = f"http://127.0.0.1:{self.server.server_address[1]}".encode()
        body = body.replace(b"{base}", base) if len(body) < 100_000 else body
        self.send_response(200 if self.path in routes else 418)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


STORE_SCRIPT = """
import json, os, resource, signal, sys, time
sys.path.insert(0, {root!r})
from clustering.store.store import StoryStore
from tests.fakes import AngleEmbedder, fake_store, titled_articles
db, mode, *args = sys.argv[1:]
if mode == "kill":  # kill -9 this process as the add reaches its Nth statement PREFIX
    prefix, nth = args[0], int(args[1])
    seen = {{"n": 0, "armed": False}}
    def trace(sql):
        if prefix == "after COMMIT":
            if seen["armed"]:
                os.kill(os.getpid(), signal.SIGKILL)
            seen["armed"] = sql.startswith("COMMIT")
        elif sql.startswith(prefix):
            seen["n"] += 1
            if seen["n"] == nth:
                os.kill(os.getpid(), signal.SIGKILL)
    store = fake_store(db)
    store._connection.set_trace_callback(trace)
    store.add(titled_articles(*[(f"x{{i}}", f"a{{i % 4 * 40}} report {{i}}") for i in range(12)]))
elif mode == "write":  # BATCHES adds of SIZE articles, ids PREFIX0, PREFIX1, ...
    prefix, batches, size = args[0], int(args[1]), int(args[2])
    with fake_store(db) as store:
        for b in range(batches):
            ids = [f"{{prefix}}{{b * size + i}}" for i in range(size)]
            store.add(titled_articles(*[(i, f"w{{i}} report") for i in ids]))
elif mode == "read":  # READERS threads, each its own store, count until STOP exists
    import threading
    def read(counts):
        with StoryStore(db, AngleEmbedder(), read_only=True) as store:
            while not os.path.exists(args[0]):
                counts.append(len(store.articles()))
                time.sleep(0.05)  # a reader polls; it does not spin the writers off the CPU
            counts.append(len(store.articles()))
    seen = [[] for _ in range(int(args[1]))]
    readers = [threading.Thread(target=read, args=(counts,)) for counts in seen]
    for reader in readers:
        reader.start()
    while not all(seen):
        time.sleep(0.01)
    print("ready", flush=True)
    for reader in readers:
        reader.join()
    print(json.dumps(seen), flush=True)
elif mode == "full":  # the CLI's add of FILE, with files limited to LIMIT bytes
    import clustering.cli.store
    from clustering.cli import main
    from tests.fakes import open_fake_store
    clustering.cli.store.open_store = open_fake_store
    fake_store(db).close()
    titled_articles(("warm", "a0 loads the language model"))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(args[1]), int(args[1])))
    main(["add", "--store", db, args[0]])
"""


def store_process(tmp_path, *args: str, **popen) -> subprocess.Popen:
    script = tmp_path / "store_script.py"
    if not script.exists():
        script.write_text(STORE_SCRIPT.format(root=str(ROOT)), encoding="utf-8")
    command = [sys.executable, str(script), str(tmp_path / "s.db"), *args]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen
    )


def integrity_and_ids(db) -> tuple[str, list[str], int]:
    connection = sqlite3.connect(db)
    try:
        check = connection.execute("PRAGMA integrity_check").fetchone()[0]
        ids = sorted(row[0] for row in connection.execute("SELECT id FROM articles"))
        history = connection.execute("SELECT count(*) FROM history").fetchone()[0]
    finally:
        connection.close()
    return check, ids, history
