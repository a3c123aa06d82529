"""Triage's learned second opinion: the NumPy replay, the shipped file, and when it speaks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import hstack

from content import Library
from content.answering import Answerer
from content.answering.urgency import MODEL_FILE, UrgencyModel, char_ngrams, word_ngrams
from content.loader import DEFAULT_DATA_DIR
from content.triage_eval import TriageItem
from content.triage_training import fit, label_of, save, training_digest, training_items

SHIPPED = DEFAULT_DATA_DIR / MODEL_FILE


@pytest.fixture(scope="module")
def items() -> list[TriageItem]:
    return training_items()


def test_the_shipped_model_was_trained_on_todays_tuning_split(items: list[TriageItem]) -> None:
    model = UrgencyModel.load(SHIPPED)
    assert model is not None
    assert model.training_digest == training_digest(items), (
        "the evaluation sets changed: run `python -m content train-triage`"
    )


def test_the_replay_matches_scikit_learn(items: list[TriageItem], tmp_path: Path) -> None:
    # A small sample keeps training quick; the replay is the same for any vocabulary.
    sample = items[::16]
    path = tmp_path / MODEL_FILE
    save(path, sample)
    model = UrgencyModel.load(path)
    assert model is not None
    chars, words, classifier = fit(sample)
    texts = [item.text for item in items[1::40]] + ["", "ok", "a" * 500, "😀 émoji ünïcode"]
    expected = classifier.predict_proba(hstack([chars.transform(texts), words.transform(texts)]))
    replayed = np.array([model.probabilities(text) for text in texts])
    assert list(model.classes) == list(classifier.classes_)
    assert np.abs(replayed - expected).max() < 1e-5


def test_ngrams_count_as_scikit_learn_counts(items: list[TriageItem]) -> None:
    chars, words, _ = fit(items[::16])
    analyse_chars, analyse_words = chars.build_analyzer(), words.build_analyzer()
    for text in ["My  dad's face droops!!", "a b cd", "x", "pills pills pills", "wont wake up"]:
        assert char_ngrams(text) == Counter(analyse_chars(text))
        assert word_ngrams(text) == Counter(analyse_words(text))


def test_it_speaks_only_when_no_rule_fires(library: Library) -> None:
    answerer = Answerer.build(library)
    by_rule = answerer.triage.check("my husband is clutching his chest and sweating")
    assert by_rule.findings and all(f.rule[0] != "model" for f in by_rule.findings)
    calm = answerer.triage.check("how much magnesium is in almonds")
    assert not calm.findings


def test_a_wording_no_rule_knows_is_caught_and_explained(library: Library) -> None:
    answerer = Answerer.build(library)
    rules_only = Answerer.build(library).triage
    rules_only._model = None  # the same rules without the second opinion
    caught = next(
        (
            text
            for text in (item.text for item in training_items() if label_of(item) != "calm")
            if not rules_only.check(text).findings and answerer.triage.check(text).findings
        ),
        None,
    )
    assert caught is not None, "the model adds nothing the rules miss"
    result = answerer.triage.check(caught)
    assert result.findings[0].rule[0] == "model"
    assert result.explain().startswith(result.findings[0].flag.id)
    assert "p=0." in result.explain() or "p=1." in result.explain()


def test_a_content_folder_without_a_model_means_rules_alone(tmp_path: Path) -> None:
    assert UrgencyModel.load(tmp_path / MODEL_FILE) is None


def test_phrasing_alone_never_fires_the_model(library: Library) -> None:
    """A confident guess still needs one of the flag's own concepts in the message."""
    triage = Answerer.build(library).triage
    assert triage._model is not None
    assert triage._model.predict("i want to be more active") is not None
    assert not triage.check("i want to be more active").findings
