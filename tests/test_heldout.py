"""benchmarks/heldout.py's bookkeeping: folds, the rows each pair model saw, counts that add up."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.heldout import Harness, run
from benchmarks.heldout_scores import _added, group_counts, summary
from clustering import StoryClusterer
from clustering.evaluation.metrics import score
from embeddings import default_cache_dir
from training.encoder_data import read_titles


def test_group_counts_by_hand() -> None:
    predicted = np.array(["a", "a", "b", "b"])
    gold = np.array(["x", "x", "x", "y"])
    counts = group_counts(predicted, gold, np.array([True, True, False, False]))
    assert counts == {
        "articles": 2,
        "precision_sum": 2.0,
        "recall_sum": pytest.approx(4 / 3),
        "predicted_pairs": 1.0,
        "gold_pairs": 2.0,
        "together": 1.0,
    }


def test_folds_add_up_to_the_whole() -> None:
    """Scored in complementary folds, one clustering's counts give its plain scores."""
    rng = np.random.default_rng(0)
    gold = rng.integers(0, 30, 400).astype(str)
    predicted = np.where(rng.random(400) < 0.7, gold, rng.integers(0, 40, 400).astype(str))
    story_fold = {g: int(g) % 3 for g in np.unique(gold)}
    folds = np.array([story_fold[g] for g in gold])
    parts = [{"dev": group_counts(predicted, gold, folds == k)} for k in range(3)]
    combined = summary(_added(parts, "dev"))
    whole = score(list(predicted), list(gold))
    for name in ("bcubed_precision", "bcubed_recall", "bcubed_f1", "pair_precision", "pair_f1"):
        assert combined[name] == pytest.approx(getattr(whole, name), abs=1e-12)


@pytest.fixture(scope="module")
def harness(og2021_file: Path) -> Harness:
    return Harness(og2021_file.parent, None, default_cache_dir(), batches=3, limit=300)


@pytest.mark.data
def test_folds_are_the_encoders(harness: Harness, og2021_file: Path) -> None:
    titles = read_titles(og2021_file.parent, 3, 0)  # all of dev, as train_encoder draws them
    fold_of = dict(zip(titles.stories, titles.folds, strict=True))
    assert [fold_of[s] for s in harness.gold] == harness.folds.tolist()


@pytest.mark.data
def test_every_article_scored_once_and_default_is_all_of_dev(
    harness: Harness, tmp_path: Path
) -> None:
    out = tmp_path / "heldout.jsonl"
    result = run(harness, ["default"], out)["default"]
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    scored = [i for line in lines for i in json.loads(line)["scored_ids"]]
    assert sorted(scored) == sorted(harness.articles["id"].astype(str))
    embedder = harness.embedder("default", 0)
    whole = StoryClusterer(embedder=embedder).fit(
        harness.articles, embeddings=harness.vectors(embedder)
    )
    plain = score(list(whole.labels_), list(harness.gold))
    assert result["dev"]["bcubed_f1"] == pytest.approx(plain.bcubed_f1, abs=1e-12)
    assert result["dev"]["pair_f1"] == pytest.approx(plain.pair_f1, abs=1e-12)
    assert run(harness, ["default"], out) == {"default": result}  # read back, not rerun
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3


@pytest.mark.data
def test_refit_never_sees_the_fold_and_is_deterministic(harness: Harness) -> None:
    first = harness.run_fold("default-refit", 1)
    embedder = harness.embedder("default-refit", 1)
    models = harness.pair_models("default-refit", 1, harness.vectors(embedder))
    assert models is not None and models.second is not None
    held = harness.folds == 1
    assert np.array_equal(models.rows, np.flatnonzero(~held))
    assert not np.isin(harness.gold[models.rows], harness.gold[held]).any()
    assert first["train_stories_in_fold"] == 0
    assert first["train_articles"] == int((~held).sum())
    again = harness.run_fold("default-refit", 1)
    first.pop("seconds"), again.pop("seconds")
    assert again == first


@pytest.mark.data
def test_without_refits_every_model_without_those_features(
    harness: Harness, og2021_file: Path
) -> None:
    left_out = frozenset({"against", "uncovered"})
    ablation = Harness(
        og2021_file.parent, None, default_cache_dir(), batches=3, limit=300, left_out=left_out
    )
    embedder = ablation.embedder("default-refit", 0)
    models = ablation.pair_models("default-refit", 0, ablation.vectors(embedder))
    assert models is not None and models.second is not None
    for model in (models.base, models.second):
        read = {part for name in model.features for part in name.split("*")}
        assert not read & left_out and "cos" in read and "names" in read
    assert models.second.features == (*models.base.features, "cos2", "cos2*samelang")
    # its records are not taken for the full models' (nor the shipped default's for others)
    assert ablation.signature("default-refit", 0) != harness.signature("default-refit", 0)
    assert ablation.signature("default", 0) == harness.signature("default", 0)


@pytest.mark.data
def test_story_cascade_reads_each_folds_own_adapter(harness: Harness, tmp_path: Path) -> None:
    from benchmarks.heldout import FoldClusterer
    from embeddings.bundled import adapter_digest

    for fold in range(3):  # tiny adapters that differ: only the files' bytes matter here
        a = np.full((1, 384), fold + 1, dtype=np.float16)
        b = np.zeros((384, 1), dtype=np.float16)
        arrays = {"scale": np.float32(1.0), "11.value.A": a, "11.value.B": b}
        np.savez(tmp_path / f"fold-{fold}-of-3.npz", **arrays)
    harness.adapters = tmp_path
    try:
        versions = [harness.fold_e5(fold).version for fold in range(3)]
    finally:
        harness.adapters = None
    for fold, version in enumerate(versions):
        assert version.endswith(adapter_digest(tmp_path / f"fold-{fold}-of-3.npz"))
    assert len(set(versions)) == 3
    second = object()
    assert FoldClusterer(second=second).second_embedder("e5-story") is second  # type: ignore[arg-type]
    assert FoldClusterer().second_embedder("e5").model == "e5"
