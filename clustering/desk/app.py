"""The editor's desk: a Starlette app over a story store, rendered on the server.

Pages work without JavaScript; ``desk.js`` only adds live updates (Server-Sent Events
from ``/events`` tell the page the store changed, and it fetches itself again). Actions
are POST forms that make one correction each (:mod:`clustering.store.corrections`);
:mod:`clustering.desk.security` guards them. Every request opens the store read-only for
its own short read (SQLite in WAL mode: readers never wait for ``add`` or ``watch``).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from jinja2 import Environment, PackageLoader
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from clustering.desk import queries
from clustering.desk.security import LOOPBACK_NAMES, POLICY, Guard, check_csrf, new_csrf_token
from clustering.desk.watching import Watcher
from clustering.store import corrections
from clustering.store.assign import Assigner
from clustering.store.corrections import Correction
from clustering.store.database import StoreError, connect
from clustering.store.store import StoryStore
from embeddings import Embedder

#: Seconds between the live-update checks of the store.
LIVE_INTERVAL = 1.0
#: Rendered list pages kept for the current state of the store (searches, filters, pages).
PAGES_KEPT = 64


@dataclass
class Desk:
    """What the app serves: the store, its model, the options of ``serve``."""

    path: Path
    embedder: Embedder
    assigner: Assigner = field(default_factory=Assigner)
    read_only: bool = False
    since: str = ""
    csrf: str = field(default_factory=new_csrf_token)
    watcher: Watcher | None = None
    languages: queries.Languages = field(default_factory=queries.Languages)
    pages: dict[tuple[object, ...], str] = field(default_factory=dict)
    closing: threading.Event = field(default_factory=threading.Event)

    def remember(self, key: tuple[object, ...], html: str) -> None:
        """Keep a rendered list page; pages of an older state of the store are dropped."""
        if len(self.pages) >= PAGES_KEPT or any(k[0] != key[0] for k in list(self.pages)[:1]):
            self.pages.clear()
        self.pages[key] = html

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A short read-only connection to the store, in one read transaction (one state)."""
        db = connect(self.path, read_only=True)
        try:
            db.execute("BEGIN")
            yield db
        finally:
            db.close()

    def correct(self, make: Callable[[StoryStore], Correction]) -> Correction:
        """Make one correction with the store opened for writing."""
        with StoryStore(self.path, self.embedder, self.assigner) as store:
            return make(store)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NaT


def _when(value: object) -> str:
    """A stored time to the minute (``2026-02-06 09:30``), or a dash."""
    if _missing(value) or value == "":
        return "-"
    text = value.isoformat() if isinstance(value, pd.Timestamp) else str(value)
    return text[:16].replace("T", " ") if len(text) > 10 else f"{text[:10]} 00:00"


_templates = Environment(loader=PackageLoader("clustering.desk", "templates"), autoescape=True)
_templates.filters["when"] = _when


def _render(name: str, **context: Any) -> str:
    return _templates.get_template(name).render(**context)


def _page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _render(name, **context)
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": POLICY})


#: What an action's redirect may announce (``?done=``): a link cannot put other words there.
_DONE = re.compile(r"correction \d+ \((?:undo )?(?:split|merge|separate)\): [\w, ]*")


def _done(request: Request) -> str:
    text = request.query_params.get("done", "")
    return text if _DONE.fullmatch(text) else ""


def _desk(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


def _common(desk: Desk) -> dict[str, Any]:
    watch = desk.watcher.state() if desk.watcher else None
    return {"csrf": desk.csrf, "read_only": desk.read_only, "watch": watch}


def _filters(request: Request, desk: Desk) -> queries.Filters:
    params = request.query_params
    page = params.get("page", "0")
    return queries.Filters(
        query=params.get("q", "").strip(),
        lang=params.get("lang", "").strip(),
        since=params.get("since", "").strip() or desk.since,
        page=int(page) if page.isdigit() else 0,
    )


def story_list(request: Request) -> Response:
    """The story list, most recently active first, with its search and filters.

    A page is rendered once per state of the store: readers between two writes share it.
    """
    desk = _desk(request)
    filters = _filters(request, desk)
    done = _done(request)
    common = _common(desk)
    with desk.reading() as db:
        version = queries.version(db)
        key = (version, filters, done, tuple(common["watch"] or ()))
        html = desk.pages.get(key)
        if html is None:
            html = _render(
                "stories.html",
                stories=queries.story_list(db, filters),
                filters=filters,
                languages=desk.languages(db),
                corrections=queries.recent_corrections(db),
                version=version,
                page_size=queries.PAGE,
                done=done,
                **common,
            )
            desk.remember(key, html)
    return HTMLResponse(html, headers={"Content-Security-Policy": POLICY})


def story_page(request: Request) -> Response:
    """One story: its members, a timeline, its history, and the corrections."""
    desk = _desk(request)
    story = request.path_params["story"]
    with desk.reading() as db:
        detail = queries.story_detail(db, story, desk.assigner.clusterer_for(desk.embedder))
        target = queries.merged_into(db, story) if detail is None else None
        history = queries.story_history(db, story)
        version = queries.version(db)
    if target is not None:
        return RedirectResponse(f"/story/{target}", 303)
    if detail is None:
        return _page("error.html", 404, message=f"No story {story} in the store.", **_common(desk))
    (found,) = detail.stories
    confidence = dict(zip(found.members, found.confidence or [1.0] * found.size, strict=True))
    articles = detail.articles
    published = articles["published"].astype("datetime64[ns]")
    members = articles.assign(
        confidence=articles["id"].map(confidence),
        when=published.fillna(articles["first_seen"].astype("datetime64[ns]")),
    ).sort_values(["when", "id"])
    return _page(
        "story.html",
        story=found,
        members=[
            {str(k): None if _missing(v) else v for k, v in row.items()}
            for row in members.to_dict("records")
        ],
        history=history,
        version=version,
        done=_done(request),
        **_common(desk),
    )


async def events(request: Request) -> Response:
    """Server-Sent Events: ``change`` whenever the store gains an article or a story changes.

    The stream ends when the server shuts down (``Desk.closing``).
    """
    desk = _desk(request)

    def current() -> str:
        with desk.reading() as db:
            return queries.version(db)

    async def stream() -> AsyncIterator[str]:
        last = await run_in_threadpool(current)
        yield f"event: hello\ndata: {last}\n\n"
        quiet = 0
        while not desk.closing.is_set() and not await request.is_disconnected():
            await asyncio.sleep(LIVE_INTERVAL)
            now = await run_in_threadpool(current)
            if now != last:
                last, quiet = now, 0
                yield f"event: change\ndata: {now}\n\n"
            elif (quiet := quiet + 1) >= 15:
                quiet = 0
                yield ": still here\n\n"

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "Content-Security-Policy": POLICY},
    )


def _action(
    make: Callable[[Desk, Any], Correction], back: Callable[[Any], str]
) -> Callable[..., Any]:
    """A POST endpoint: check the CSRF token, make the correction, go to the story."""

    async def endpoint(request: Request) -> Response:
        desk = _desk(request)
        form = await request.form()
        if not check_csrf(request, form.get("csrf"), desk.csrf):
            return _page(
                "error.html", 403, message="This form is stale: reload the page.", **_common(desk)
            )
        try:
            done = await run_in_threadpool(make, desk, form)
        except StoreError as exc:
            return _page("error.html", 409, message=str(exc), back=back(form), **_common(desk))
        story = done.stories[0] if done.stories else ""
        where = f"/story/{story}" if story else "/"
        return RedirectResponse(f"{where}?{urlencode({'done': done.describe()})}", 303)

    return endpoint


def _note(form: Any) -> str | None:
    return str(form.get("note") or "").strip() or None


def _split(desk: Desk, form: Any) -> Correction:
    ids = [str(i) for i in form.getlist("ids")]
    return desk.correct(lambda store: corrections.split_articles(store, ids, _note(form)))


def _merge(desk: Desk, form: Any) -> Correction:
    stories = [str(form.get("story") or ""), *str(form.get("others") or "").split()]
    return desk.correct(
        lambda store: corrections.merge_stories(store, [s for s in stories if s], _note(form))
    )


def _separate(desk: Desk, form: Any) -> Correction:
    first, second = str(form.get("first") or ""), str(form.get("second") or "")
    return desk.correct(
        lambda store: corrections.separate_articles(store, first, second, _note(form))
    )


def _undo(desk: Desk, form: Any) -> Correction:
    event = str(form.get("event") or "")
    number = int(event) if event.isdigit() else None
    return desk.correct(lambda store: corrections.undo_correction(store, number, _note(form)))


def _back(form: Any) -> str:
    story = str(form.get("story") or "")
    return f"/story/{story}" if story else "/"


def make_app(
    desk: Desk, token: str | None = None, hosts: tuple[str, ...] | None = None
) -> Starlette:
    """The desk's ASGI app.

    ``token``: every request must carry it. ``hosts``: the ``Host`` names answered (default:
    the loopback names without a token, any with one).
    """
    static = Path(__file__).parent / "static"
    routes = [
        Route("/", story_list),
        Route("/story/{story}", story_page),
        Route("/events", events),
        Mount("/static", StaticFiles(directory=static), name="static"),
    ]
    if not desk.read_only:
        routes += [
            Route("/split", _action(_split, _back), methods=["POST"]),
            Route("/merge", _action(_merge, _back), methods=["POST"]),
            Route("/separate", _action(_separate, _back), methods=["POST"]),
            Route("/undo", _action(_undo, _back), methods=["POST"]),
        ]
    if hosts is None and not token:
        hosts = LOOPBACK_NAMES

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if desk.watcher:
            desk.watcher.start()
        try:
            yield
        finally:
            if desk.watcher:
                desk.watcher.stop()

    app = Starlette(
        routes=routes,
        middleware=[Middleware(Guard, token=token, hosts=hosts)],
        lifespan=lifespan,
    )
    app.state.desk = desk
    return app
