"""BERTScore and MAUVE on a tiny random encoder: closed forms and the reference packages."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchbench.extractors.text import TextEncoder
from benchbench.metrics.text.bertscore import BERTScore
from benchbench.metrics.text.mauve_metric import MAUVE, embed, mauve_score
from tests.support.text_models import tiny_roberta

HYPS = ["the object has an attribute", "a function returns a value", "the cat sat on the mat"]
REFS = ["an object has attributes", "the function returns the value", "a dog sat on a log"]


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    path = tiny_roberta(tmp_path_factory.mktemp("roberta"))
    return TextEncoder("tiny-roberta", str(path), 1, "test")


def greedy_f1(encoder: TextEncoder, hyp: str, ref: str) -> float:
    """BERTScore by its definition (Zhang et al. 2020, eq. 1-3), written with transformers:
    layer-L embeddings, cosine similarity, greedy matching. As in the reference code,
    <s> and </s> may be matched but carry no weight in the averages (idf weight 0)."""
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(encoder.model_type)
    model = AutoModel.from_pretrained(encoder.model_type).eval()

    def tokens(text: str) -> torch.Tensor:
        ids = tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            hidden = model(**ids, output_hidden_states=True).hidden_states[encoder.num_layers]
        emb = hidden[0].double()
        return emb / emb.norm(dim=-1, keepdim=True)

    sim = tokens(hyp) @ tokens(ref).T
    precision = sim.max(dim=1).values[1:-1].mean()
    recall = sim.max(dim=0).values[1:-1].mean()
    return float(2 * precision * recall / (precision + recall))


def test_bertscore_matches_its_definition(encoder):
    metric = BERTScore(encoder=encoder)
    metric.update(HYPS, REFS)
    result = metric.compute()
    expected = np.mean([greedy_f1(encoder, h, r) for h, r in zip(HYPS, REFS, strict=True)])
    assert result.value == pytest.approx(expected, abs=1e-5)
    assert result.signature["encoder"] == "tiny-roberta" and result.signature["layer"] == 1
    assert result.label == "BERTScore-F1[tiny-roberta L1]" or not encoder.embedded


def test_bertscore_of_identical_text_is_one(encoder):
    metric = BERTScore(encoder=encoder)
    metric.update(REFS, REFS)
    assert metric.compute().value == pytest.approx(1.0, abs=1e-5)


def test_bertscore_rescales_with_the_encoders_baseline(encoder, tmp_path):
    """bert-score's rescaling, ``(F - b) / (1 - b)`` with ``b`` the baseline file's F at the
    encoder's layer, applied segment by segment to the raw scores."""
    import dataclasses

    baseline = tmp_path / "baseline.csv"
    baseline.write_text("LAYER,P,R,F\n0,0.1,0.1,0.1\n1,0.93,0.94,0.935\n")
    rescaled_encoder = dataclasses.replace(encoder, baseline=str(baseline))
    raw, rescaled = BERTScore(encoder=encoder), BERTScore(encoder=rescaled_encoder)
    raw.update(HYPS, REFS)
    rescaled.update(HYPS, REFS)
    raw_f1 = raw.segment_stats({})[:, 0]
    assert rescaled.segment_stats({})[:, 0] == pytest.approx(
        (raw_f1 - 0.935) / (1 - 0.935), abs=1e-5
    )
    assert rescaled.compute().signature["rescaled"] and not raw.compute().signature["rescaled"]


def test_embedded_bertscore_separates_near_copies_from_unrelated_passages():
    """On held-out prose, the shipped encoder scores a lightly edited copy of each true
    continuation (every third word dropped) above another passage's continuation, with
    bootstrap intervals far apart; identical text scores 1."""
    from benchbench.data.prose import continuations
    from benchbench.extractors.text import find_encoder
    from benchbench.metrics.stats import BootstrapSpec

    task = continuations()
    refs = list(task.references[:64])
    edited = [" ".join(w for j, w in enumerate(r.split()) if j % 3) for r in refs]
    unrelated = list(task.references[64:128])
    results = {}
    for name, hyps in (("edited", edited), ("unrelated", unrelated), ("same", refs)):
        metric = BERTScore(bootstrap=BootstrapSpec(200, 0.95, seed=0), encoder=find_encoder())
        metric.update(hyps, refs)
        results[name] = metric.compute()
    gap = results["edited"].value - results["unrelated"].value
    widest = max(r.ci_high - r.ci_low for r in (results["edited"], results["unrelated"]))
    assert results["edited"].ci_low > results["unrelated"].ci_high
    assert gap > 3 * widest
    assert results["same"].value == pytest.approx(1.0, abs=1e-5)


def test_mauve_closed_forms():
    rng = np.random.default_rng(0)
    p = rng.normal(size=(200, 8))
    assert mauve_score(p, p.copy(), seed=1) == pytest.approx(1.0, abs=1e-6)
    far = mauve_score(p, rng.normal(size=(200, 8)) + 20.0, seed=1)
    assert far < 0.05


@pytest.mark.slow
def test_mauve_metric_equals_the_package_on_the_same_features(encoder):
    import mauve

    from benchbench.data.prose import continuations

    task = continuations()
    hyps, refs = list(task.prompts[:40]), list(task.references[:40])
    metric = MAUVE(encoder=encoder, seed=3)
    metric.update(hyps, refs)
    result = metric.compute()
    expected = mauve.compute_mauve(
        p_features=embed(encoder, refs), q_features=embed(encoder, hyps), seed=3
    ).mauve
    assert result.value == pytest.approx(expected, abs=1e-12)
    assert result.signature["encoder"] == "tiny-roberta"
