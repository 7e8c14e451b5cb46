"""Evidence features and the shipped pair model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clustering.evidence.distances import second_order_distance
from clustering.evidence.explain import WORDS
from clustering.evidence.features import ArticleEvidence, gap_features, hours_of
from clustering.evidence.lexical import (
    entity_words,
    name_skeletons,
    shared_entities,
    skeleton,
    strip_source,
    word_prefixes,
)
from clustering.evidence.model import BASE_FEATURES, FEATURES, PairModel, shipped_pair_model


@pytest.mark.parametrize(
    "words",
    [
        ("Nasirzadeh", "Nasirzadə", "ناصرزاده", "Насирзаде", "नासिरज़ादे", "ნასირზადე"),
        ("Qalibaf", "Ghalibaf", "قالیباف", "क़ालिबाफ़", "Ղալիբաֆ"),
    ],
)
def test_skeletons_agree_across_scripts(words):
    keys = {skeleton(word)[:5] for word in words}
    assert len(keys) == 1


def test_shared_entities_across_scripts():
    first = "Aliyev receives Iranian Defence Minister Aziz Nasirzadeh in Baku"
    second = "علیاف وزیر دفاع ایران عزیز ناصرزاده را در باکو پذیرفت"
    assert shared_entities(first, second) == [("Nasirzadeh", "ناصرزاده")]
    assert shared_entities("the minister met the press", "the minister met the press") == []


def test_names_in_scripts_without_capitals():
    # Devanagari and Georgian have no capitals to go by: every word may be a name. A
    # Devanagari word keeps its vowel signs (re's \w would cut it at each one).
    assert entity_words("अलीयेव ने नासिरज़ादे से मुलाक़ात की") == [
        "अलीयेव",
        "ने",
        "नासिरज़ादे",
        "से",
        "मुलाक़ात",
        "की",
    ]
    assert entity_words("ალიევმა ნასირზადე მიიღო") == ["ალიევმა", "ნასირზადე", "მიიღო"]
    assert entity_words("Алієв прийняв Насірзаде в Баку") == ["Насірзаде", "Баку"]
    assert name_skeletons("अज़ीज़ नासिरज़ादे") == ["nsrzd"]
    assert word_prefixes("नासिरज़ादे से मिले") == ["nasi", "se", "mile"]


def test_names_one_lead_carries_and_the_other_text_lacks_count_against_a_pair():
    # Two reports of Nasirzadeh's visit (the Persian one names him in its body) and one of
    # Qalibaf's, whose lead names a man the others never mention. The English title's one
    # name (a sentence's first word is not taken for one) is in the Persian text; in Persian,
    # with no capitals to go by, every word of the lead counts, and half their weight is in
    # words the English title lacks. An article with no text lacks every name.
    articles = pd.DataFrame(
        {
            "title": ["Aliyev receives Nasirzadeh", "علیاف وزیر دفاع ایران را پذیرفت", "", ""],
            "text": ["", "عزیز ناصرزاده علیاف", "The speaker Qalibaf met Aliyev.", ""],
            "published": [None] * 4,
            "lang": ["en", "fa", "az", "sl"],
        }
    )
    covered = frozenset({"en", "fa"})
    evidence = ArticleEvidence.of(np.eye(4, dtype=np.float32), np.zeros(4), articles, None, covered)
    against = evidence.features()["against"]
    assert np.round(against, 3).tolist() == [
        [0.0, 0.5, 1.0, 1.0],
        [0.5, 0.0, 1.0, 1.0],
        [1.0, 1.0, 0.0, 1.0],
        [1.0, 1.0, 1.0, 0.0],
    ]
    left, right = np.triu_indices(4, 1)
    np.testing.assert_allclose(
        evidence.pair_features(left, right)["against"], against[left, right], atol=1e-6
    )
    assert evidence.features()["uncovered"].tolist() == [
        [0, 0, 1, 1],
        [0, 0, 1, 1],
        [1, 1, 1, 1],
        [1, 1, 1, 1],
    ]


def test_explain_has_words_for_every_feature():
    assert set(BASE_FEATURES) <= set(WORDS)


def test_strip_source_and_prefixes():
    assert strip_source("Floods hit the north | Daily Wire") == "Floods hit the north"
    assert strip_source("Floods - rivers burst their banks in the north") == (
        "Floods - rivers burst their banks in the north"
    )
    assert word_prefixes("Наводнения в Москве, 2021") == ["navo", "mosk", "2021"]


def test_time_features_flag_missing_dates():
    published = pd.Series(pd.to_datetime(["2021-07-01 00:00", "2021-07-01 03:00", None]))
    hours = hours_of(published)
    features = gap_features(hours[:, None], hours[None, :])
    assert features["logdt"][0, 1] == pytest.approx(np.log1p(3.0))
    assert features["logdt"][0, 2] == 0.0
    assert features["notime"].tolist() == [[0, 0, 1], [0, 0, 1], [1, 1, 1]]


def test_second_order_distance_is_symmetric_and_rounded():
    probability = np.array([[1.0, 0.9, 0.1], [0.9, 1.0, 0.2], [0.1, 0.2, 1.0]], dtype=np.float32)
    distance = second_order_distance(probability)
    assert (distance == distance.T).all() and (np.diag(distance) == 0).all()
    assert distance[0, 1] < distance[0, 2]
    assert (np.round(distance, 6) == distance).all()


def test_shipped_pair_model_round_trips():
    model = shipped_pair_model("use")
    assert model is not None and model.mean.shape == (512,) and len(model.coef) == len(FEATURES)
    again = PairModel.from_dict(model.to_dict())
    assert again.intercept == model.intercept
    np.testing.assert_array_equal(again.coef, model.coef)
    assert shipped_pair_model("no-such-model") is None
    weights = dict(zip(FEATURES, model.coef, strict=True))
    assert weights["cos"] > 0 and weights["prefix"] > 0 and weights["notime"] < 0


def test_the_second_model_reads_a_huge_title_as_it_reads_a_body_its_lead():
    from clustering.evidence.cascade import HEAD_CHARS, embed_heads, head_text

    class Recording:
        name, key = "recording@1", None

        def __init__(self):
            self.seen = []

        def encode(self, texts):
            self.seen.extend(texts)
            return np.ones((len(texts), 4), dtype=np.float32)

    sentence = "Talks on the Geneva ceasefire resume on Monday. "
    huge = sentence * (128 * 1024 // len(sentence))  # the default --max-article-bytes
    articles = pd.DataFrame({"title": [huge, "Short title"], "text": ["", huge]})
    recording = Recording()
    embed_heads(articles, np.arange(2), recording)
    lead = " ".join([sentence.strip()] * (HEAD_CHARS // len(sentence)))
    assert recording.seen == [lead, f"Short title {lead}"]
    assert head_text("A  short\ntitle.", "") == "A short title."  # short titles as they were


def test_articles_with_a_body_get_the_second_model_in_batches_of_any_size():
    from clustering.evidence.cascade import second_rows

    n = 400  # more than SMALL_BATCH
    langs = ["en"] * n
    langs[7] = "az"  # a language USE does not cover: it and its neighbours get one
    has_body = np.zeros(n, dtype=bool)
    has_body[[3, 250, 399]] = True
    vectors = np.eye(n, dtype=np.float32)
    vectors[11] = vectors[7]  # its nearest article
    hours = np.zeros(n)
    use = frozenset(("en",))
    everyone = np.ones(n, dtype=bool)
    rows = second_rows(langs, everyone, use, vectors, hours, 120.0, 300, always=has_body)
    assert {3, 250, 399, 7, 11} <= set(rows)
    assert len(rows) == 3 + 1 + 20  # the bodies, the az headline and its 20 neighbours
    assert second_rows(langs, everyone, use, vectors, hours, 120.0, 300).tolist() == sorted(
        set(rows) - {3, 250, 399}
    )
    # a body no pair model reads e5 for (eligible False) gets none; the small batch all
    assert 3 not in second_rows(langs, ~has_body, use, vectors, hours, 120.0, 300, has_body)
    assert len(second_rows(langs, everyone, use, vectors, hours, 120.0, 400, has_body)) == n
    assert second_rows(langs, everyone, None, vectors, hours, 120.0, 300, has_body).tolist() == [
        3,
        250,
        399,
    ]


def test_an_input_field_named_whole_names_is_not_read_as_the_windows_name_column():
    # An input's extra fields become columns of the article table; one called
    # ``whole_names`` (missing on the second record) crashed the evidence and, where every
    # record had it, replaced the names of the whole texts.
    from clustering.reading.loaders import articles_from_records

    records = [
        {"id": "1", "title": "Aliyev receives Nasirzadeh", "text": "Aziz Nasirzadeh met Aliyev."},
        {"id": "2", "title": "Nasirzadeh visits Baku", "text": "Aziz Nasirzadeh visited Aliyev."},
    ]
    plain = articles_from_records(records, "<test>").articles
    tagged = articles_from_records(
        [{**records[0], "whole_names": "tags: defence"}, records[1]], "<test>"
    ).articles
    assert "whole_names" in tagged.columns
    vectors = np.eye(2, dtype=np.float32)
    expected = ArticleEvidence.of(vectors, np.zeros(2), plain).features()
    found = ArticleEvidence.of(vectors, np.zeros(2), tagged).features()
    for name, values in expected.items():
        np.testing.assert_array_equal(found[name], values, err_msg=name)
