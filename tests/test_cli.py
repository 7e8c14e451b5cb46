"""The command line surface: help everywhere, every output format, writing to a file."""

from __future__ import annotations

import csv
import io
import json

import click
import pytest

from clustering.cli import main
from clustering.output.formats import ARTICLE_FIELDS
from tests.conftest import SEEDS


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


@pytest.mark.parametrize(
    "command", [(), *_commands(main)], ids=lambda c: " ".join(c) or "samestory"
)
def test_every_command_has_help(runner, command):
    result = runner.invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")
    assert len(result.stdout.splitlines()) > 3


def test_models_lists_the_bundled_models(runner):
    result = runner.invoke(main, ["models"])
    assert result.stdout.splitlines()[0].startswith("use (default): ")
    assert result.stdout.splitlines()[1].startswith("e5: ")


def test_jsonl_has_one_row_per_article(runner):
    result = runner.invoke(main, ["cluster", str(SEEDS), "--format", "jsonl"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 5
    assert all(list(row) == list(ARTICLE_FIELDS) for row in rows)
    assert [row["lang"] for row in rows] == ["tr", "fr", "en", "az", "fa"]


def test_csv_matches_jsonl(runner):
    jsonl = runner.invoke(main, ["cluster", str(SEEDS), "--format", "jsonl"]).stdout
    table = runner.invoke(main, ["cluster", str(SEEDS), "--format", "csv"]).stdout
    rows = list(csv.DictReader(io.StringIO(table)))
    expected = [json.loads(line) for line in jsonl.splitlines()]
    assert [(r["id"], r["story"], r["outlier"]) for r in rows] == [
        (e["id"], e["story"], str(e["outlier"])) for e in expected
    ]


def test_json_groups_members_under_stories(runner):
    payload = json.loads(runner.invoke(main, ["cluster", str(SEEDS), "--format", "json"]).stdout)
    assert payload["articles"] == 5
    assert [(s["story"], s["size"], s["outlier"], s["languages"]) for s in payload["stories"]] == [
        ("S1", 3, False, ["en", "fr", "tr"]),
        ("S2", 1, True, ["az"]),
        ("S3", 1, True, ["fa"]),
    ]
    assert payload["stories"][0]["first_published"] == "2026-02-06T00:00:00"


def test_output_file(runner, tmp_path):
    target = tmp_path / "stories.jsonl"
    result = runner.invoke(main, ["cluster", str(SEEDS), "--format", "jsonl", "-o", str(target)])
    assert result.exit_code == 0 and result.stdout == ""
    assert len(target.read_text(encoding="utf-8").splitlines()) == 5


def test_other_models_give_the_seed_stories_too(runner):
    result = runner.invoke(main, ["cluster", str(SEEDS), "--model", "e5", "--format", "json"])
    sizes = [s["size"] for s in json.loads(result.stdout)["stories"]]
    assert result.exit_code == 0
    assert sizes[0] == 3


def test_progress_bar_goes_to_stderr_on_a_terminal(runner, tmp_path, monkeypatch):
    monkeypatch.setattr("clustering.cli.common.interactive", lambda: True)
    lines = [
        json.dumps({"id": str(i), "title": f"Headline number {i} about topic {i % 7}"})
        for i in range(250)
    ]
    (tmp_path / "many.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(main, ["cluster", str(tmp_path / "many.jsonl"), "--format", "jsonl"])
    assert result.exit_code == 0
    assert "Embedding" in result.stderr
    assert len(result.stdout.splitlines()) == 250


def test_rerun_reads_vectors_from_the_cache(runner, tmp_path, monkeypatch):
    import embeddings.cache as cache_module

    seen: list[int] = []
    original = cache_module.CachedEmbedder.encode

    def counting(self, texts):
        vectors = original(self, texts)
        seen.append(self.misses)
        return vectors

    monkeypatch.setattr(cache_module.CachedEmbedder, "encode", counting)
    args = ["cluster", str(SEEDS), "--format", "jsonl", "--cache-dir", str(tmp_path)]
    first = runner.invoke(main, args)
    misses_first_run = seen[-1]
    seen.clear()
    second = runner.invoke(main, args)
    assert misses_first_run > 0 and seen and seen[-1] == 0
    assert first.stdout == second.stdout
    assert (tmp_path / "vectors.sqlite").exists()


def test_max_distance_with_the_default_model_is_refused_in_one_line(runner):
    result = runner.invoke(main, ["cluster", str(SEEDS), "--max-distance", "0.3"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: max_distance applies only to plain cosine")
    assert len(result.stderr.splitlines()) == 1


def test_min_probability_one_leaves_every_seed_alone(runner):
    result = runner.invoke(
        main, ["cluster", str(SEEDS), "--min-probability", "1", "--format", "json"]
    )
    assert result.exit_code == 0
    assert [story["size"] for story in json.loads(result.stdout)["stories"]] == [1, 1, 1, 1, 1]


#: Headlines of four events in six languages, Slovenian (outside USE) among them.
_HEADLINES = [
    ("en", "Strong earthquake shakes eastern Turkey, buildings damaged"),
    ("fr", "Un fort séisme secoue l'est de la Turquie, des bâtiments endommagés"),
    ("de", "Starkes Erdbeben erschüttert Osttürkei"),
    ("en", "Greek ferry workers strike, ports paralysed"),
    ("es", "Huelga de trabajadores de ferris griegos paraliza los puertos"),
    ("en", "Central bank raises interest rates by half a point"),
    ("de", "Zentralbank erhöht Leitzins um einen halben Punkt"),
    ("sl", "Grški delavci na trajektih stavkajo, pristanišča ohromljena"),
    ("sl", "Močan potres stresel vzhodno Turčijo"),
    ("en", "Champions League: Barcelona beat Inter 3-1"),
    ("it", "Champions League: il Barcellona batte l'Inter 3-1"),
]


@pytest.mark.parametrize(
    ("options", "params"),
    [
        ([], {}),
        (["--second-model", "none"], {"second_model": None}),
        (["--second-up-to", "0"], {"second_up_to": 0}),
    ],
)
def test_second_model_options_are_the_api_settings(runner, tmp_path, options, params):
    from clustering import StoryClusterer, articles_from_records

    records = [
        {"id": f"a{i:02d}", "title": t, "lang": lang, "published": "2021-07-01T12:00:00"}
        for i, (lang, t) in enumerate(_HEADLINES)
    ]
    path = tmp_path / "headlines.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = runner.invoke(main, ["cluster", str(path), "--format", "json", *options])
    assert result.exit_code == 0, result.stderr
    stories = json.loads(result.stdout)["stories"]
    found = sorted(tuple(sorted(m["id"] for m in s["members"])) for s in stories)
    fitted = StoryClusterer(**params).fit(articles_from_records(records).articles)
    assert found == sorted(tuple(sorted(s.members)) for s in fitted.stories_)


def test_second_model_e5_needs_its_pair_model_in_one_line(runner):
    result = runner.invoke(main, ["cluster", str(SEEDS), "--model", "e5", "--second-model", "e5"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: second model 'e5' needs a shipped pair model")
    assert len(result.stderr.splitlines()) == 1
