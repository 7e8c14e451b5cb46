"""`samestory compare`: the similarity of two articles, its evidence, and the pairs mode."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from clustering import load_articles
from clustering.cli import main
from clustering.evidence.centring import Centring, LanguageMeans, shipped_centring
from clustering.evidence.compare import compare_articles, score_pairs, whole_text
from clustering.output.pairs import read_pairs
from embeddings import get_embedder
from tests.conftest import SEED_FILES

SEMEVAL_LANGUAGES = {"ar", "de", "en", "es", "fr", "pl", "tr"}


@pytest.fixture(scope="module")
def seeds():
    return load_articles(SEED_FILES).articles


def _pair_csv(tmp_path, rows, header=("id", "a", "b", "la", "lb")):
    path = tmp_path / "pairs.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


PAIRS = [
    (
        "p1",
        "Der Bundestag stimmt über das Klimagesetz ab.",
        "Bundestag votes on climate law.",
        "de",
        "en",
    ),
    (
        "p2",
        "Erdbeben in der Türkei fordert Tote.",
        "Spain wins the football cup final.",
        "de",
        "en",
    ),
    ("p3", "El presidente visitó Manaos.", "The president visited Manaus.", "es", ""),
]


@pytest.mark.slow
def test_the_same_event_scores_higher_than_other_events(seeds):
    texts = [
        whole_text(text, title) for title, text in zip(seeds["title"], seeds["text"], strict=True)
    ]
    langs = list(seeds["lang"])
    others = [4, 1, 3]
    scores = score_pairs(
        [texts[0]] * 3, [texts[i] for i in others], [langs[0]] * 3, [langs[i] for i in others]
    )
    same, different_az, different_fa = scores.similarity
    assert same > different_az and same > different_fa
    assert all(0 <= s <= 1 for s in scores.similarity)


def test_comparison_has_the_evidence(seeds):
    comparison = compare_articles(seeds.iloc[[0, 2]].reset_index(drop=True))
    assert comparison.ids == ("000_6a94ddf4fcffe0c0.txt", "002_58349e569f7a92d2.txt")
    assert comparison.languages == ("tr", "fr")
    assert ("Nasirzade", "Nasirzadeh") in comparison.shared_entities
    assert comparison.time_gap_hours is None  # 002 carries no date
    expected = np.clip(
        0.8 * comparison.embedding_similarity + 0.2 * comparison.lexical_overlap, 0, 1
    )
    assert comparison.similarity == pytest.approx(expected, abs=1e-6)


def test_time_gap_in_hours(tmp_path):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("date 2026-02-06T08:00 Storm hits the coast of Brittany.", encoding="utf-8")
    second.write_text("date 2026-02-07T02:30 Tempête sur la côte bretonne.", encoding="utf-8")
    articles = load_articles([first, second]).articles
    assert compare_articles(articles).time_gap_hours == 18.5


def test_a_pair_scores_the_same_alone_or_in_a_batch():
    alone = score_pairs([PAIRS[0][1]], [PAIRS[0][2]], ["de"], ["en"]).similarity
    batch = score_pairs([p[1] for p in PAIRS], [p[2] for p in PAIRS]).similarity
    assert alone[0] == pytest.approx(batch[0], abs=1e-6)
    assert batch[0] > batch[1]


@pytest.mark.slow
def test_long_texts_are_read_whole():
    head = "Der Bundestag hat heute über das Gesetz zur Energiewende abgestimmt. " * 40
    tail = "El presidente de Brasil visitó Manaos tras las inundaciones. " * 40
    vectors = get_embedder("e5").encode([head + tail, head])
    assert float(vectors[0] @ vectors[1]) < 0.99


def test_the_shipped_centring_covers_the_dev_languages():
    centring = shipped_centring("e5")
    assert centring is not None and centring.version.startswith("multilingual-e5-small")
    for means in centring.kinds.values():
        assert set(means.by_language) >= SEMEVAL_LANGUAGES
        assert means.overall.shape == (384,)
    assert shipped_centring("use") is None


def test_centring_round_trip_and_fallback(tmp_path):
    means = LanguageMeans(
        np.array([1.0, 0.0], np.float32), {"de": np.array([0.0, 1.0], np.float32)}
    )
    path = tmp_path / "c.npz"
    Centring("m", {"full": means}).save(path)
    loaded = Centring.from_bytes(path.read_bytes())
    vectors = np.array([[1.0, 1.0], [1.0, 1.0]], np.float32)
    assert loaded.version == "m"
    assert loaded.centre("full", vectors, ["de", "xx"]).tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_compare_prints_the_evidence(runner):
    result = runner.invoke(main, ["compare", str(SEED_FILES[0]), str(SEED_FILES[2])])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("P(same story)         0.")
    assert lines[0].endswith(
        "  (full-article model with the e5 cosine, as cluster scores the pair)"
    )
    labels = [line[:22].strip() for line in lines]
    evidence = labels.index("evidence")
    details = labels.index("embedding similarity")
    assert evidence == 1 and set(labels[evidence + 1 : details]) == {""}
    assert lines[details - 1].endswith("  (where every pair starts)")
    assert "same story)" not in result.stdout.replace("P(same story)", "")
    assert labels[details:] == [
        "embedding similarity",
        "lexical overlap",
        "shared entities",
        "time gap",
        "languages",
        "A",
        "B",
    ]
    assert "Nasirzade = Nasirzadeh" in result.stdout
    assert "time gap              unknown (a date is missing)" in result.stdout
    assert "languages             tr, fr" in result.stdout


def test_compare_json(runner):
    result = runner.invoke(
        main, ["compare", str(SEED_FILES[0]), str(SEED_FILES[2]), "--format", "json"]
    )
    payload = json.loads(result.stdout)
    assert list(payload) == [
        "ids",
        "titles",
        "languages",
        "embedding_similarity",
        "lexical_overlap",
        "shared_entities",
        "time_gap_hours",
        "same_story_probability",
        "pair_model",
        "evidence",
    ]
    assert payload["pair_model"] == "full-article model with the e5 cosine"
    assert list(payload["evidence"][0]) == ["feature", "words", "value", "weight", "contribution"]
    assert ["Nasirzade", "Nasirzadeh"] in payload["shared_entities"]
    assert payload["languages"] == ["tr", "fr"]


@pytest.mark.slow
def test_pairs_mode_adds_similarity_and_probability_columns(runner, tmp_path):
    path = _pair_csv(tmp_path, PAIRS)
    out = tmp_path / "out.csv"
    args = [
        "compare",
        "--pairs",
        str(path),
        "--left",
        "a",
        "--right",
        "b",
        "--left-lang",
        "la",
        "--right-lang",
        "lb",
        "-o",
        str(out),
    ]
    result = runner.invoke(main, args)
    assert result.exit_code == 0 and result.stdout == ""
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert list(rows[0]) == ["id", "a", "b", "la", "lb", "similarity", "same_story_probability"]
    assert [(r["id"], r["a"], r["lb"]) for r in rows] == [(p[0], p[1], p[4]) for p in PAIRS]
    similarity = [float(r["similarity"]) for r in rows]
    assert all(0 <= s <= 1 for s in similarity) and similarity[0] > similarity[1]
    probability = [float(r["same_story_probability"]) for r in rows]
    assert all(0 <= p <= 1 for p in probability) and probability[0] > probability[1]


def test_pairs_mode_detects_languages_and_writes_stdout(runner, tmp_path):
    path = _pair_csv(tmp_path, [row[:3] for row in PAIRS], header=("id", "a", "b"))
    result = runner.invoke(main, ["compare", "--pairs", str(path), "--left", "a", "--right", "b"])
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["id", "a", "b", "similarity", "same_story_probability"]
    assert len(rows) == 4
    table = read_pairs(path, "a", "b")
    assert table.left_langs is None and len(table.rows) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.txt", "{seed}"], "Error: missing.txt: "),
        (
            ["--pairs", "{csv}", "--left", "a", "--right", "nope"],
            "Error: {csv}: no column 'nope' (columns: id, a, b, la, lb)",
        ),
        (
            ["--pairs", "{csv}", "--left", "a", "--right", "b", "--left-lang", "lang"],
            "Error: {csv}: no column 'lang' (columns: id, a, b, la, lb)",
        ),
        (
            ["--pairs", "{bad}", "--left", "a", "--right", "b"],
            "Error: {bad}:3: empty text in column 'b'",
        ),
        (["--pairs", "missing.csv", "--left", "a", "--right", "b"], "Error: missing.csv: "),
    ],
    ids=["missing-article", "missing-column", "missing-lang-column", "empty-text", "missing-csv"],
)
def test_bad_input_is_one_line_and_exit_2(runner, tmp_path, args, message):
    good = _pair_csv(tmp_path, PAIRS)
    bad = tmp_path / "bad.csv"
    bad.write_text("id,a,b,la,lb\np1,x,y,de,en\np2,x, ,de,en\n", encoding="utf-8")
    names = {"seed": str(SEED_FILES[0]), "csv": str(good), "bad": str(bad)}
    result = runner.invoke(main, ["compare", *[a.format(**names) for a in args]])
    assert result.exit_code == 2
    assert result.stderr.startswith(message.format(**names))
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    "args", [[], ["{seed}"], ["--pairs", "{seed}"], ["{seed}", "{seed}", "--pairs", "{seed}"]]
)
def test_wrong_arguments_are_usage_errors(runner, args):
    result = runner.invoke(main, ["compare", *[a.format(seed=SEED_FILES[0]) for a in args]])
    assert result.exit_code == 2
    assert "Usage: " in result.stderr


def test_help_explains_both_modes(runner):
    result = runner.invoke(main, ["compare", "--help"])
    assert result.exit_code == 0
    for option in ("--pairs", "--left", "--right", "--left-lang", "--model", "--no-cache"):
        assert option in result.stdout
    assert "[default: e5]" in result.stdout


@pytest.mark.data
def test_semeval_dev_pairs_read_with_their_languages(semeval_file):
    table = read_pairs(semeval_file, "text1", "text2", "lang1", "lang2")
    assert len(table.rows) == 796
    assert sum(a != b for a, b in zip(table.left_langs, table.right_langs, strict=True)) == 119
    assert set(table.left_langs) | set(table.right_langs) == SEMEVAL_LANGUAGES
