"""The one call each command makes: typed settings reach the estimator, on every engine."""

from __future__ import annotations

import pytest

from clustering import ClusterSettings, StoryClusterer, cluster_paths, render
from clustering.errors import InputError
from clustering.scale import EngineError
from tests.conftest import SEEDS


def test_cluster_settings_become_the_estimator_settings():
    settings = ClusterSettings(
        "use", min_probability=0.7, min_cluster_size=3, second_model=None, second_up_to=5
    )
    params = settings.clusterer("use").get_params()
    assert {name: params[name] for name in ("embedder", "pair_model", "min_probability")} == {
        "embedder": "use",
        "pair_model": "auto",
        "min_probability": 0.7,
    }
    assert (params["min_cluster_size"], params["second_model"], params["second_up_to"]) == (
        3,
        None,
        5,
    )
    assert params["max_distance"] is None


def test_a_pair_model_file_is_read_when_the_clusterer_is_made(tmp_path):
    bad = tmp_path / "pair.json"
    bad.write_text("{}", encoding="utf-8")
    with pytest.raises(InputError, match=r"pair\.json"):
        ClusterSettings(pair_model=str(bad)).clusterer("use")


def test_the_local_engine_gives_what_the_clusterer_gives():
    result = cluster_paths([SEEDS], settings=ClusterSettings(cache=False))
    fitted = StoryClusterer(embedder="use").fit(result.articles.drop(columns=["story", "outlier"]))
    assert render(result, "csv") == render(fitted, "csv")
    assert result.skipped == []


def test_the_dask_engine_needs_dask(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(EngineError, match="samestory\\[dask\\]"):
        cluster_paths([SEEDS], engine="dask")
