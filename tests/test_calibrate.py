"""Calibrating a pair model for any embedder, and using it with --pair-model."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from clustering import StoryClusterer, articles_from_records
from clustering.cli import main
from clustering.errors import InputError, SettingsError
from clustering.evidence import calibrate, features
from clustering.evidence.calibrate import (
    calibrate_articles,
    design,
    fit_pair_model,
    flag_labels,
    near_pairs,
    pair_articles,
    pair_design,
    rated_labels,
)
from clustering.evidence.features import ArticleEvidence
from clustering.evidence.model import FEATURES, PairModel, read_pair_model
from embeddings import EmbedderBase
from embeddings.articles import embed_articles
from tests.fakes import AngleEmbedder

#: Three stories and an outlier, labelled.
HEADLINES = [
    ("1", "Floods hit the north of Italy after days of rain", "2021-07-01", "floods"),
    ("2", "Heavy rain floods northern Italy", "2021-07-01", "floods"),
    ("3", "Italian rivers burst their banks as floods spread", "2021-07-02", "floods"),
    ("4", "Wildfires rage across Greece as heatwave continues", "2021-07-01", "fires"),
    ("5", "Greek wildfires spread towards Athens", "2021-07-02", "fires"),
    ("6", "Peru announces the results of its presidential election", "2021-07-03", "vote"),
    ("7", "Election results in Peru are announced after a long count", "2021-07-03", "vote"),
    ("8", "The zoo welcomes a baby giraffe", "2021-07-02", "zoo"),
]
#: The same for the fake embedder, which places each headline by its first word.
ANGLES = {"1": "a10", "2": "a12", "3": "a11", "4": "a80", "5": "a82", "6": "a45", "7": "a47"}
ANGLE_ROWS = [(i, f"{ANGLES.get(i, 'zebra')} {t}", p, s) for i, t, p, s in HEADLINES]

#: The stories of HEADLINES under the pair model calibrated on them: article 3 is left
#: alone, where the shipped model puts it with 1 and 2.
STORIES_WITH_MINE = [["1", "2"], ["3"], ["4", "5"], ["6", "7"], ["8"]]


def _stories(output):
    """The member ids of each story in `cluster --format json` output, sorted."""
    stories = json.loads(output)["stories"]
    return sorted(sorted(member["id"] for member in story["members"]) for story in stories)


def _angle_articles():
    records = [{"id": i, "title": t, "published": p, "story": s} for i, t, p, s in ANGLE_ROWS]
    return articles_from_records(records, "angles").articles


def _write_headlines(path, rows=HEADLINES):
    path.write_text(
        "".join(
            json.dumps({"id": i, "title": t, "published": p, "story": s}) + "\n"
            for i, t, p, s in rows
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def angle_calibration():
    articles = _angle_articles()
    vectors = embed_articles(articles, AngleEmbedder())
    return articles, vectors, calibrate_articles(articles, vectors, "angle-fake")


def test_calibrate_articles_uses_every_same_story_pair(angle_calibration):
    _, _, calibration = angle_calibration
    # 3 + 1 + 1 same-story pairs; 28 - 5 = 23 other pairs, all sampled (20 per positive).
    assert (calibration.same, calibration.different) == (5, 23)
    assert (calibration.precision, calibration.recall) == (1.0, 1.0)
    model = calibration.pair_model
    assert (model.model, model.dimensions, len(model.coef)) == ("angle-fake", 64, len(FEATURES))
    assert dict(zip(FEATURES, model.coef, strict=True))["cos"] > 0


def test_calibration_is_deterministic(angle_calibration):
    articles, vectors, calibration = angle_calibration
    again = calibrate_articles(articles, vectors, "angle-fake")
    assert again.pair_model.to_json() == calibration.pair_model.to_json()


def test_pair_model_json_round_trips(angle_calibration, tmp_path):
    model = angle_calibration[2].pair_model
    path = tmp_path / "pair.json"
    path.write_text(model.to_json(), encoding="utf-8")
    loaded = read_pair_model(path)
    assert loaded.to_json() == model.to_json()
    assert (loaded.model, loaded.dimensions) == ("angle-fake", 64)
    np.testing.assert_allclose(loaded.coef, model.coef, atol=1e-6)


def test_a_pair_model_file_of_a_model_named_by_its_version_still_scores(angle_calibration):
    """Files calibrated for a model that is not bundled used to record its version."""
    articles, _, calibration = angle_calibration
    older = replace(calibration.pair_model, model=AngleEmbedder().version)
    fitted = StoryClusterer(embedder=AngleEmbedder(), pair_model=older).fit(articles)
    assert sorted(sorted(story.members) for story in fitted.stories_) == [
        ["1", "2", "3"],
        ["4", "5"],
        ["6", "7"],
        ["8"],
    ]


def test_story_clusterer_uses_the_calibrated_model(angle_calibration):
    articles, _, calibration = angle_calibration
    fitted = StoryClusterer(embedder=AngleEmbedder(), pair_model=calibration.pair_model)
    fitted.fit(articles)
    stories = sorted(sorted(story.members) for story in fitted.stories_)
    assert stories == [["1", "2", "3"], ["4", "5"], ["6", "7"], ["8"]]


class OtherEmbedder(EmbedderBase):
    model = "other-fake"

    def encode(self, texts):
        return AngleEmbedder().encode(texts)


def test_a_pair_model_refuses_another_embedder(angle_calibration):
    articles, vectors, calibration = angle_calibration
    clusterer = StoryClusterer(embedder=OtherEmbedder(), pair_model=calibration.pair_model)
    with pytest.raises(SettingsError) as error:
        clusterer.fit(articles, embeddings=vectors)
    assert str(error.value) == (
        "the pair model is for 'angle-fake' (64-d vectors), not 'other-fake': "
        "embed with 'angle-fake' or calibrate a pair model for 'other-fake'"
    )


def test_a_pair_model_refuses_vectors_of_another_dimension(angle_calibration):
    articles, vectors, calibration = angle_calibration
    clusterer = StoryClusterer(embedder=AngleEmbedder(), pair_model=calibration.pair_model)
    with pytest.raises(SettingsError) as error:
        clusterer.fit(articles, embeddings=vectors[:, :32])
    assert str(error.value) == (
        "embeddings have 32 dimensions, the 'angle-fake' pair model expects 64: "
        "embed with that model or pass pair_model=None"
    )


def test_blocks_and_chunks_give_the_numbers_of_the_whole_matrices(angle_calibration, monkeypatch):
    """Calibration goes through the pairs a few at a time: the same numbers, less memory."""
    articles, vectors, _ = angle_calibration
    evidence = ArticleEvidence.of(vectors, vectors.mean(axis=0), articles)
    hours = evidence.hours.copy()
    hours[[2, 5]] = [np.nan, 500.0]  # an undated article and one far from the rest
    rows, cols = np.triu_indices(len(hours), 1)
    near = ~(np.abs(hours[rows] - hours[cols]) > features.CANDIDATE_WINDOW_HOURS)
    whole = design(evidence.features(), np.stack([rows, cols]))
    whole_pairs = evidence.pair_features(rows, cols)
    monkeypatch.setattr(calibrate, "BLOCK_PAIRS", 20)  # blocks of two or three rows
    monkeypatch.setattr(features, "PAIR_CHUNK", 5)
    got = near_pairs(hours)
    np.testing.assert_array_equal(np.stack(got), np.stack([rows[near], cols[near]]))
    assert len(got[0]) < len(rows)
    # A block's matrix product may round a cosine's last bit differently (BLAS kernels).
    np.testing.assert_allclose(pair_design(evidence, np.stack([rows, cols])), whole, atol=1e-7)
    chunked = evidence.pair_features(rows, cols)
    assert chunked.keys() == whole_pairs.keys()
    for name, values in whole_pairs.items():
        np.testing.assert_array_equal(chunked[name], values)


def test_too_few_same_story_pairs_are_refused():
    articles = _angle_articles().assign(story=[str(i) for i in range(len(ANGLE_ROWS))])
    articles.loc[1, "story"] = "0"
    vectors = embed_articles(articles, AngleEmbedder())
    with pytest.raises(InputError) as error:
        calibrate_articles(articles, vectors, "angle-fake")
    assert str(error.value) == (
        "angles: 1 same-story and 27 different-story pairs: a calibration needs at least 2 of each"
    )


def test_a_feature_that_never_varies_gets_weight_zero():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, len(FEATURES))).astype(np.float32)
    x[:, FEATURES.index("notime")] = 1.0
    labels = x[:, 0] > 0
    model = fit_pair_model(x, labels, "m", np.zeros(4, dtype=np.float32))
    assert model.coef[FEATURES.index("notime")] == 0.0
    assert model.coef[0] > 0


def test_ratings_and_flags_become_labels():
    assert rated_labels(["1", "1.5", "2", "2.9", "3", "4"], "f.csv") == [
        True,
        True,
        None,
        None,
        False,
        False,
    ]
    assert flag_labels(["1", "0", "true", "False", "1.0", " yes "], "same", "f.csv") == [
        True,
        False,
        True,
        False,
        True,
        True,
    ]
    with pytest.raises(InputError) as error:
        flag_labels(["1", "maybe"], "same", "f.csv")
    assert str(error.value) == "f.csv: row 2: same 'maybe' is not 0/1 or true/false"


def test_pair_articles_reads_each_distinct_text_once():
    articles, pairs, kept = pair_articles(
        ["Floods hit Italy", "Fires in Greece"], ["Italy floods", "Floods hit Italy"]
    )
    assert list(articles["title"]) == ["Floods hit Italy", "Fires in Greece", "Italy floods"]
    assert pairs.tolist() == [[0, 1], [2, 0]]
    assert kept.tolist() == [True, True]


# The command line, with the bundled USE model (offline, in its pip package).


@pytest.mark.slow
def test_calibrate_then_cluster_with_the_pair_model(runner, tmp_path):
    data = _write_headlines(tmp_path / "labelled.jsonl")
    target = tmp_path / "pair-use-mine.json"
    result = runner.invoke(main, ["calibrate", str(data), "--model", "use", "-o", str(target)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "pair model for use (512-d vectors)",
        "pairs      5 same story, 23 different",
        "weights",
    ]
    weights = 3 + len(FEATURES) + 1
    assert [line.split()[0] for line in lines[3:weights]] == [*FEATURES, "intercept"]
    # Five same-story pairs make a cautious model: it links only the closest pairs.
    assert lines[weights:] == [
        "in-sample  pair precision 1.000, recall 0.600 (P >= 0.5)",
        f"wrote {target}",
    ]
    assert read_pair_model(target).model == "use"
    clustered = runner.invoke(
        main, ["cluster", str(data), "--pair-model", str(target), "--format", "json"]
    )
    assert clustered.exit_code == 0, clustered.output
    assert _stories(clustered.stdout) == STORIES_WITH_MINE
    shipped = runner.invoke(main, ["cluster", str(data), "--format", "json"])
    assert _stories(shipped.stdout) == [["1", "2", "3"], ["4", "5"], ["6", "7"], ["8"]]


@pytest.fixture(scope="module")
def use_pair_model(tmp_path_factory):
    from click.testing import CliRunner

    folder = tmp_path_factory.mktemp("calibrated")
    data = _write_headlines(folder / "labelled.jsonl")
    target = folder / "pair-use-mine.json"
    result = CliRunner().invoke(main, ["calibrate", str(data), "--model", "use", "-o", str(target)])
    assert result.exit_code == 0, result.output
    return data, target


def test_a_pair_model_for_another_model_is_one_error_line(runner, use_pair_model):
    data, target = use_pair_model
    result = runner.invoke(
        main, ["cluster", str(data), "--model", "e5", "--pair-model", str(target)]
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: the pair model is for 'use' (512-d vectors), not 'e5': "
        "embed with 'use' or calibrate a pair model for 'e5'\n"
    )


def test_a_file_that_is_not_a_pair_model_is_one_error_line(runner, use_pair_model, tmp_path):
    data, _ = use_pair_model
    missing = tmp_path / "missing.json"
    result = runner.invoke(main, ["cluster", str(data), "--pair-model", str(missing)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {missing}: cannot read pair model: No such file or directory\n"


def test_compare_adds_the_pair_models_probability(runner, use_pair_model, tmp_path):
    _, target = use_pair_model
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("Floods hit the north of Italy after days of rain\n", encoding="utf-8")
    second.write_text("Heavy rain floods northern Italy\n", encoding="utf-8")
    args = ["compare", str(first), str(second), "--model", "use", "--pair-model", str(target)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    line = result.stdout.splitlines()[0]
    assert line.startswith("P(same story)         0.")
    assert line.endswith("  (first-order model, as cluster scores the pair)")
    payload = json.loads(runner.invoke(main, [*args, "--format", "json"]).stdout)
    assert 0.5 < payload["same_story_probability"] <= 1.0


def test_add_uses_the_pair_model(runner, use_pair_model, tmp_path):
    data, target = use_pair_model
    store = tmp_path / "desk.db"
    args = ["add", "--store", str(store), "--pair-model", str(target), str(data)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    stories = {}
    for line in result.stdout.splitlines():
        ident, story, _ = line.split("\t")
        stories.setdefault(story, []).append(ident)
    assert sorted(stories.values()) == STORIES_WITH_MINE
    wrong = runner.invoke(main, [*args[:5], "--model", "e5", str(data)])
    assert wrong.exit_code == 2
    assert wrong.stderr.startswith(f"Error: {store} holds vectors of use, not e5")
    other = tmp_path / "other.db"
    wrong = runner.invoke(main, [*args[:2], str(other), *args[3:5], "--model", "e5", str(data)])
    assert wrong.exit_code == 2
    assert wrong.stderr.startswith("Error: the pair model is for 'use' (512-d vectors), not 'e5'")
    assert not other.exists()


def test_missing_gold_column_is_one_error_line(runner, tmp_path):
    data = _write_headlines(tmp_path / "labelled.jsonl")
    target = tmp_path / "pair.json"
    result = runner.invoke(main, ["calibrate", str(data), "--gold", "event", "-o", str(target)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {data}: no gold column 'event'\n"
    assert not target.exists()


def test_one_same_story_pair_is_one_error_line(runner, tmp_path):
    rows = [(i, t, p, "only" if i in ("1", "2") else i) for i, t, p, _ in HEADLINES]
    data = _write_headlines(tmp_path / "labelled.jsonl", rows)
    result = runner.invoke(main, ["calibrate", str(data), "-o", str(tmp_path / "pair.json")])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {data}: 1 same-story and 27 different-story pairs: "
        "a calibration needs at least 2 of each\n"
    )


SEMEVAL_CSV = """pair_id,lang1,lang2,text1,text2,Overall
p1,en,en,Floods hit the north of Italy after days of rain,Heavy rain floods northern Italy,1.0
p2,en,fr,Wildfires rage across Greece,Des incendies ravagent la Grèce,1.33
p3,en,en,Peru announces the results of its election,Election results in Peru are announced,1.5
p4,en,en,Floods hit the north of Italy after days of rain,The zoo welcomes a baby giraffe,4.0
p5,en,fr,Wildfires rage across Greece,Le Pérou annonce les résultats de son élection,3.67
p6,en,en,Heavy rain floods northern Italy,Greek wildfires spread towards Athens,3.0
p7,en,en,Floods hit the north of Italy after days of rain,Italian rivers burst their banks,2.0
"""


def test_calibrate_on_semeval_rated_pairs(runner, tmp_path):
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(SEMEVAL_CSV, encoding="utf-8")
    target = tmp_path / "pair.json"
    args = ["calibrate", "--pairs", str(pairs), "--model", "use", "-o", str(target)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == "pairs      3 same story, 3 different, 1 left out"
    weights = dict(zip(FEATURES, read_pair_model(target).coef, strict=True))
    assert weights["logdt"] == weights["logdt2"] == weights["notime"] == 0.0  # no dates
    assert weights["cos"] > 0


def test_calibrate_on_pairs_with_a_label_column(runner, tmp_path):
    pairs = tmp_path / "pairs.csv"
    rows = [line.rsplit(",", 1)[0] for line in SEMEVAL_CSV.splitlines()]
    flags = ["same", "true", "true", "yes", "false", "false", "0", "1"]
    pairs.write_text(
        "".join(f"{row},{flag}\n" for row, flag in zip(rows, flags, strict=True)),
        encoding="utf-8",
    )
    target = tmp_path / "pair.json"
    args = ["calibrate", "--pairs", str(pairs), "--label", "same", "-o", str(target)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == "pairs      4 same story, 3 different"
    missing = runner.invoke(main, [*args[:3], "--label", "verdict", "-o", str(target)])
    assert missing.exit_code == 2
    assert missing.stderr == (
        f"Error: {pairs}: no column 'verdict' (columns: pair_id, lang1, lang2, text1, text2, "
        "same)\n"
    )


def test_pairs_without_ratings_or_labels_is_one_error_line(runner, tmp_path):
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("text1,text2\nFloods in Italy,Italy floods\n", encoding="utf-8")
    result = runner.invoke(main, ["calibrate", "--pairs", str(pairs), "-o", "x.json"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {pairs}: no rating column 'Overall': name a column of 0/1 labels\n"
    )


def test_calibrate_needs_articles_or_pairs(runner, tmp_path):
    result = runner.invoke(main, ["calibrate", "-o", str(tmp_path / "x.json")])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: give articles PATHS with --gold, or --pairs FILE"
    )


#: The first articles of OG2021 dev the quick training run takes (2,128 same-story pairs).
SLICE = 300


@pytest.mark.data
def test_the_training_script_is_deterministic_and_gives_the_shipped_form(og2021_file):
    """`make train-pair-model` on a slice of OG2021 dev: the same file twice, of the shipped form.

    Retraining on all of dev and comparing with the shipped files, within the fitting's
    tolerance, is ``benchmarks/reproduce_models.py`` (``make bench``): about a minute and
    1 GB for this model alone, seven for all three.
    """
    from benchmarks.reproduce_models import compare
    from clustering.evidence.model import shipped_pair_model
    from training.train_pair_model import train

    shipped = shipped_pair_model("use")
    trained = train(og2021_file.parent, "use", limit=SLICE)
    assert train(og2021_file.parent, "use", limit=SLICE).to_json() == trained.to_json()
    assert shipped is not None and trained.model == shipped.model == "use"
    assert list(json.loads(trained.to_json())) == list(shipped.to_dict())
    assert (trained.features, trained.coef.shape, trained.mean.shape) == (
        shipped.features,
        shipped.coef.shape,
        shipped.mean.shape,
    )
    assert dict(zip(FEATURES, trained.coef, strict=True))["cos"] > 0
    assert compare(shipped, shipped)["reproduced"]
    assert not compare(trained, shipped)["reproduced"]  # 300 articles are not all of dev


def test_a_shipped_model_file_reads_as_before():
    from importlib import resources

    text = (resources.files("clustering.models") / "pair-use.json").read_text(encoding="utf-8")
    model = PairModel.from_dict(json.loads(text))
    assert (model.model, model.dimensions) == ("use", 512)
    assert model.to_json() == text
