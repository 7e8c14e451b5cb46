"""StoryClusterer as a scikit-learn estimator, on hand-made vectors with known stories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clustering import StoryClusterer, articles_from_records
from clustering.errors import SettingsError
from clustering.grouping.estimator import as_article_table


def _vector(angle_deg: float, plane: int, dim: int = 8) -> np.ndarray:
    """A unit vector at ``angle_deg`` from axis ``2*plane`` within that axis pair's plane."""
    v = np.zeros(dim, dtype=np.float32)
    a = np.deg2rad(angle_deg)
    v[2 * plane], v[2 * plane + 1] = np.cos(a), np.sin(a)
    return v


# Three stories on three orthogonal planes (members within 10 degrees of each other), and two
# outliers, each alone on its own axis.
STORIES = {"flood": (0, [0, 4, 8, 12]), "election": (1, [0, 6, 9]), "match": (2, [0, 5])}
OUTLIERS = {"lonely-1": _vector(0, 3), "lonely-2": _vector(90, 3)}


def _articles_and_vectors():
    ids, vectors = [], []
    for story, (plane, angles) in STORIES.items():
        for k, angle in enumerate(angles):
            ids.append(f"{story}-{k}")
            vectors.append(_vector(angle, plane))
    for name, vector in OUTLIERS.items():
        ids.append(name)
        vectors.append(vector)
    table = articles_from_records(
        [{"id": i, "title": f"Article {i} about something"} for i in ids]
    ).articles
    return table, np.stack(vectors)


def _partition(ids, labels):
    groups: dict[int, set[str]] = {}
    for ident, label in zip(ids, labels, strict=True):
        groups.setdefault(int(label), set()).add(ident)
    return sorted(sorted(group) for group in groups.values())


EXPECTED = sorted(
    [sorted(f"{s}-{k}" for k in range(len(a))) for s, (_, a) in STORIES.items()]
    + [["lonely-1"], ["lonely-2"]]
)


def test_fit_returns_self_and_fitted_attributes():
    table, vectors = _articles_and_vectors()
    clusterer = StoryClusterer(pair_model=None)
    assert clusterer.fit(table, embeddings=vectors) is clusterer
    assert _partition(table["id"], clusterer.labels_) == EXPECTED
    outliers = dict(zip(table["id"], clusterer.outliers_, strict=True))
    assert [k for k, v in outliers.items() if v] == ["lonely-1", "lonely-2"]
    assert [(s.id, s.size, s.outlier) for s in clusterer.stories_] == [
        ("S1", 4, False),
        ("S2", 3, False),
        ("S3", 2, False),
        ("S4", 1, True),
        ("S5", 1, True),
    ]
    assert clusterer.stories_[0].members == ("flood-0", "flood-1", "flood-2", "flood-3")
    assert clusterer.stories_[0].representative in ("flood-1", "flood-2")
    assert list(clusterer.articles_["story"]) == [
        clusterer.stories_[i].id for i in clusterer.labels_
    ]
    assert clusterer.embeddings_.shape == vectors.shape


def test_every_article_in_exactly_one_story():
    table, vectors = _articles_and_vectors()
    clusterer = StoryClusterer(pair_model=None).fit(table, embeddings=vectors)
    members = [m for story in clusterer.stories_ for m in story.members]
    assert sorted(members) == sorted(table["id"])


def test_get_params_and_set_params():
    clusterer = StoryClusterer(max_distance=0.3, min_cluster_size=3)
    params = clusterer.get_params()
    assert params == {
        "embedder": None,
        "pair_model": "auto",
        "min_cluster_size": 3,
        "min_samples": 1,
        "cluster_selection_method": "eom",
        "cluster_selection_epsilon": 0.2,
        "min_probability": 0.5,
        "max_distance": 0.3,
        "window_hours": 120.0,
        "second_model": "auto",
        "second_up_to": 300,
    }
    assert StoryClusterer().max_distance is None
    assert clusterer.set_params(max_distance=0.4).max_distance == 0.4


@pytest.mark.parametrize("seed", range(5))
def test_input_order_does_not_matter(seed):
    table, vectors = _articles_and_vectors()
    order = np.random.default_rng(seed).permutation(len(table))
    shuffled = StoryClusterer(pair_model=None).fit(
        table.iloc[order].reset_index(drop=True), embeddings=vectors[order]
    )
    reference = StoryClusterer(pair_model=None).fit(table, embeddings=vectors)
    assert shuffled.stories_ == reference.stories_


def test_max_distance_keeps_unrelated_pairs_apart():
    table = articles_from_records(
        [{"id": "a", "title": "first one"}, {"id": "b", "title": "second one"}]
    ).articles
    far = np.stack([_vector(0, 0), _vector(70, 0)])
    near = np.stack([_vector(0, 0), _vector(20, 0)])
    assert [
        s.outlier for s in StoryClusterer(pair_model=None).fit(table, embeddings=far).stories_
    ] == [True, True]
    assert [
        s.size for s in StoryClusterer(pair_model=None).fit(table, embeddings=near).stories_
    ] == [2]


def test_max_distance_is_refused_where_a_pair_model_decides():
    with pytest.raises(SettingsError, match="max_distance applies only to plain cosine"):
        StoryClusterer(max_distance=0.4).fit(["a0 floods north", "a0 floods south"])


@pytest.mark.slow
def test_min_probability_is_the_pair_model_threshold():
    table = articles_from_records(
        [
            {"id": "a", "title": "Aliyev receives Iranian defence minister Nasirzadeh in Baku"},
            {"id": "b", "title": "Azerbaijan and Iran discuss regional security"},
        ]
    ).articles
    clusterer = StoryClusterer()
    vectors = clusterer.fit(table).embeddings_
    scorer = clusterer.scorer(table, vectors, clusterer.resolved_embedder())
    embedder = clusterer.resolved_embedder()
    probability = float(scorer.pairs(np.array([0]), np.array([1]))[0])
    assert 0.05 < probability < 0.999
    below = clusterer.set_params(min_probability=probability - 1e-3).fit(table, embeddings=vectors)
    assert [s.size for s in below.stories_] == [2]
    above = clusterer.set_params(min_probability=probability + 1e-3).fit(table, embeddings=vectors)
    assert [s.size for s in above.stories_] == [1, 1]
    assert (above.min_score_, above.scorer(table, vectors, embedder).min_score) == (
        probability + 1e-3,
        probability + 1e-3,
    )


def test_min_score_is_the_threshold_in_the_units_of_the_scores():
    """With a pair model ``min_probability``; on plain cosines ``1 - max_distance``."""
    table, vectors = _articles_and_vectors()
    fitted = StoryClusterer(pair_model=None, max_distance=0.25).fit(table, embeddings=vectors)
    assert fitted.min_score_ == 0.75
    assert not hasattr(fitted, "link_")


def test_single_article_and_empty_input():
    one = articles_from_records([{"id": "a", "title": "one story"}]).articles
    fitted = StoryClusterer(pair_model=None).fit(one, embeddings=np.ones((1, 4)))
    assert [(s.members, s.outlier) for s in fitted.stories_] == [(("a",), True)]
    empty = pd.DataFrame(columns=one.columns)
    fitted = StoryClusterer(pair_model=None).fit(empty, embeddings=np.zeros((0, 4)))
    assert fitted.stories_ == [] and len(fitted.labels_) == 0


def test_embeddings_must_match_the_articles():
    table, vectors = _articles_and_vectors()
    with pytest.raises(ValueError, match="embeddings must have one row per article"):
        StoryClusterer(pair_model=None).fit(table, embeddings=vectors[:-1])


def test_fit_predict_on_plain_texts_with_the_default_model():
    texts = [
        "Aliyev receives the Iranian defence minister Nasirzadeh in Baku",
        "Aliyev empfängt den iranischen Verteidigungsminister Nasirzadeh in Baku",
        "Aliyev reçoit le ministre iranien de la Défense Nasirzadeh à Bakou",
        "Heavy rain floods the streets of Lisbon",
    ]
    labels = StoryClusterer().fit_predict(texts)
    assert labels[0] == labels[1] == labels[2] != labels[3]


def test_the_calibrated_path_needs_vectors_of_its_model():
    table, vectors = _articles_and_vectors()
    with pytest.raises(ValueError, match="embeddings have 8 dimensions, the 'use' pair model"):
        StoryClusterer().fit(table, embeddings=vectors)


def test_calibrated_path_groups_one_story_told_three_times():
    texts = [
        "Aliyev receives the Iranian defence minister Nasirzadeh in Baku",
        "Aliyev empfängt den iranischen Verteidigungsminister Nasirzadeh in Baku",
        "Aliyev reçoit le ministre iranien de la Défense Nasirzadeh à Bakou",
    ]
    clusterer = StoryClusterer().fit(texts)
    assert [(s.size, s.outlier) for s in clusterer.stories_] == [(3, False)]


_FOUR_UNRELATED = {
    "en": [
        "Strong earthquake shakes eastern Turkey, buildings damaged",
        "Greek ferry workers strike, ports paralysed",
        "Central bank raises interest rates by half a point",
        "Champions League: Barcelona beat Inter 3-1",
    ],
    "hi": [
        "पूर्वी तुर्की में तेज़ भूकंप, कई इमारतें क्षतिग्रस्त",
        "यूनान में नौका कर्मचारियों की हड़ताल, बंदरगाह ठप",
        "केंद्रीय बैंक ने ब्याज दरें आधा प्रतिशत बढ़ाईं",
        "चैंपियंस लीग: बार्सिलोना ने इंटर को 3-1 से हराया",
    ],
    "hy": [
        "Ուժեղ երկրաշարժ Թուրքիայի արևելքում, շենքեր են վնասվել",
        "Հունաստանում լաստանավերի աշխատողները գործադուլ են անում, նավահանգիստները կաթվածահար են",
        "Կենտրոնական բանկը տոկոսադրույքը բարձրացրել է կես կետով",
        "Չեմպիոնների լիգա. Բարսելոնան 3-1 հաշվով հաղթեց Ինտերին",
    ],
    "ka": [
        "ძლიერმა მიწისძვრამ აღმოსავლეთ თურქეთი შეარყია, შენობები დაზიანდა",
        "საბერძნეთში ბორნების მუშაკები გაიფიცნენ, პორტები პარალიზებულია",
        "ცენტრალურმა ბანკმა საპროცენტო განაკვეთი ნახევარი პუნქტით გაზარდა",
        "ჩემპიონთა ლიგა: ბარსელონამ ინტერს 3-1 მოუგო",
    ],
}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "hi", "ka", "hy"])
def test_four_unrelated_headlines_of_one_moment_are_four_outliers(lang):
    """A small batch: each pair's own evidence decides, nothing from the batch merges them.

    Armenian, which neither the dev data nor USE covers, put the earthquake and the ferry
    strike in one story (P 0.68) until the pair models weighed the cosines of uncovered
    languages by what the dev pairs in one (Slovenian) earn them.
    """
    records = [
        {"id": str(i), "title": t, "published": "2021-07-01T12:00:00", "lang": lang}
        for i, t in enumerate(_FOUR_UNRELATED[lang])
    ]
    clusterer = StoryClusterer().fit(articles_from_records(records).articles)
    assert [(s.members, s.outlier) for s in clusterer.stories_] == [
        (("0",), True),
        (("1",), True),
        (("2",), True),
        (("3",), True),
    ]


@pytest.mark.slow
def test_explain_gives_the_probability_fit_uses():
    texts = [
        "Aliyev receives the Iranian defence minister Nasirzadeh in Baku",
        "Aliyev reçoit le ministre iranien de la Défense Nasirzadeh à Bakou",
        "Heavy rain floods the streets of Lisbon",
    ]
    clusterer = StoryClusterer()
    table = as_article_table(texts)
    vectors = clusterer.fit(table).embeddings_
    explained = clusterer.pair_explanation(table, "0", "1", embeddings=vectors)
    scorer = clusterer.scorer(table, vectors, clusterer.resolved_embedder())
    assert explained.probability == float(scorer.pairs(np.array([0]), np.array([1]))[0])
    assert explained.model == "headline model with the e5 cosine"
    assert {t.feature for t in explained.terms} >= {"cos", "cos2", "names"}
    logit = explained.intercept + sum(t.contribution for t in explained.terms)
    assert abs(explained.probability - 1 / (1 + np.exp(-logit))) < 1e-5
    assert clusterer.pair_probabilities(table, np.array([0, 0]), np.array([1, 2])).tolist() == [
        explained.probability,
        float(scorer.pairs(np.array([0]), np.array([2]))[0]),
    ]
