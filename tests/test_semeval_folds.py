"""benchmarks/semeval_folds.py: each pair scored in its own fold, refits blind to that fold."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from benchmarks.semeval_cluster import Labels
from benchmarks.semeval_folds import FOLDS, RatedTexts, fold_bodies, pool
from clustering.output.pairs import read_pairs


def test_pool_takes_each_pair_from_its_own_folds_run() -> None:
    folds = np.array([0, 1, 2, 0, 2, 1, 1])
    own = [folds == k for k in range(FOLDS)]
    assert pool(own, folds).all()
    assert not pool([~guess for guess in own], folds).any()
    one = np.array([True, False, False, True, True, False, True])
    assert np.array_equal(pool([one] * FOLDS, folds), one)
    same = np.array([True, True, False, False, True, False, True])
    labels = Labels(np.array([True] * 6 + [False]), same, np.zeros(7, dtype=bool))
    pooled = labels.scores(pool(own, folds))["all"]
    parts = [labels.within(folds == k).scores(own[k])["all"] for k in range(FOLDS)]
    for count in ("pairs", "true_positives", "false_positives", "false_negatives"):
        assert pooled[count] == sum(int(part[count]) for part in parts)
    assert (pooled["pairs"], pooled["true_positives"], pooled["false_positives"]) == (6, 3, 3)


@pytest.fixture(scope="module")
def rated(semeval_file: Path) -> RatedTexts:
    return RatedTexts.read(semeval_file.parent)


@pytest.mark.data
def test_every_labelled_pair_is_scored_in_exactly_one_fold(
    rated: RatedTexts, semeval_file: Path
) -> None:
    table = read_pairs(semeval_file, "text1", "text2", "lang1", "lang2")
    assert [str(row["pair_id"]) for row in table.rows] == list(rated.frame["pair_id"].astype(str))
    labels = Labels.of(table)
    assert sorted(set(rated.folds.tolist())) == [0, 1, 2]
    per_fold = [int((labels.labelled & (rated.folds == k)).sum()) for k in range(FOLDS)]
    assert sum(per_fold) == int(labels.labelled.sum())
    assert min(per_fold) > 0


@pytest.mark.data
def test_a_refit_never_sees_its_folds_pairs_or_texts(rated: RatedTexts) -> None:
    kept_folds = rated.folds[rated.kept]
    for fold in range(FOLDS):
        fit = rated.fit_rows(fold)
        assert (kept_folds[fit] != fold).all()
        assert len(fit) + int((kept_folds == fold).sum()) == len(kept_folds)
        held = rated.pairs[:, kept_folds == fold]
        assert not np.isin(rated.pairs[:, fit], held).any()


@pytest.mark.data
def test_a_refit_does_not_move_when_its_folds_ratings_do(rated: RatedTexts) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(rated.articles), 512)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    heads = rng.normal(size=(len(rated.articles), 8)).astype(np.float32)
    heads /= np.linalg.norm(heads, axis=1, keepdims=True)
    fold = 1
    frame = rated.frame.copy()
    frame.loc[rated.folds == fold, "Overall"] = 5.0 - frame.loc[rated.folds == fold, "Overall"]
    flipped = replace(rated, frame=frame)
    first = fold_bodies(rated, vectors, heads, fold, "e5")
    again = fold_bodies(flipped, vectors, heads, fold, "e5")
    assert np.array_equal(first.coef, again.coef) and first.intercept == again.intercept
    other = fold_bodies(flipped, vectors, heads, 0, "e5")
    assert not np.array_equal(first.coef, other.coef)


@pytest.mark.data
def test_a_refit_without_features_reads_none_of_them(rated: RatedTexts) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(rated.articles), 512)).astype(np.float32)
    heads = rng.normal(size=(len(rated.articles), 8)).astype(np.float32)
    model = fold_bodies(rated, vectors, heads, 0, "e5", frozenset({"against", "samelang"}))
    assert model.features == (
        "cos",
        "logdt",
        "logdt2",
        "notime",
        "prefix",
        "char",
        "names",
        "uncovered",
        "cos*uncovered",
        "cos2",
        "cos2*uncovered",
    )
