"""Progress bars: on a terminal or in Jupyter for long work, never in a pipe, off by env."""

from __future__ import annotations

import io

import pytest

from clustering import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("setting", "terminal", "expected"),
    [
        (None, True, True),
        (None, False, False),
        ("0", True, False),
        ("off", True, False),
        ("1", False, True),
    ],
)
def test_bars_show_on_a_terminal_unless_turned_off(monkeypatch, setting, terminal, expected):
    if setting is None:
        monkeypatch.delenv(progress.ENV, raising=False)
    else:
        monkeypatch.setenv(progress.ENV, setting)
    monkeypatch.setattr("sys.stderr", Terminal() if terminal else io.StringIO())
    assert progress.shown() is expected


def test_a_bar_is_drawn_for_long_work_only(monkeypatch):
    monkeypatch.setenv(progress.ENV, "1")
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    items = list(progress.counted([[1] * 10] * 3, "Short", 30, len))
    assert items == [[1] * 10] * 3 and stderr.getvalue() == ""
    assert len(list(progress.counted(range(250), "Long work", 250, lambda _: 1))) == 250
    assert "Long work: " in stderr.getvalue()


def test_fit_reports_embedding_to_a_callback_and_nothing_to_a_pipe(capsys):
    from clustering import StoryClusterer, articles_from_records
    from tests.fakes import AngleEmbedder

    rows = [{"id": str(i), "title": f"a{i % 90} headline {i}"} for i in range(250)]
    calls: list[tuple[int, int]] = []
    StoryClusterer(embedder=AngleEmbedder(), pair_model=None).fit(
        articles_from_records(rows).articles,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls[-1] == (250, 250)
    assert capsys.readouterr().err == ""
