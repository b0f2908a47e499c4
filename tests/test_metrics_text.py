"""Text metrics against their reference implementations, closed forms and worked examples."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
import sacrebleu
import torch
from rouge_score.rouge_scorer import RougeScorer
from rouge_score.tokenizers import DefaultTokenizer

from benchbench.adapters.text_hf import HFCausalLMAdapter
from benchbench.catalogue import METRICS
from benchbench.data.prose import continuations
from benchbench.metrics.stats import BootstrapSpec
from benchbench.metrics.text.perplexity import Perplexity
from benchbench.metrics.text.rouge import rouge_s
from tests.support.text_models import tiny_gpt

CPU = torch.device("cpu")


def perturb(text: str, i: int) -> str:
    """A deterministic, partly wrong copy: every (i % 4 + 2)-th word dropped, one word swapped."""
    words = [w for j, w in enumerate(text.split()) if j % (i % 4 + 2)]
    if len(words) > 3:
        words[1], words[2] = words[2], words[1]
    return " ".join(words)


@pytest.fixture(scope="module")
def pairs():
    task = continuations()
    refs = list(task.references[:40])
    hyps = [perturb(r, i) if i % 5 else task.references[i + 50] for i, r in enumerate(refs)]
    return hyps, refs


def run(name: str, hyps, refs, resamples: int = 0):
    metric = METRICS.get(name)(bootstrap=BootstrapSpec(resamples, seed=1) if resamples else None)
    metric.update(hyps, refs)
    return metric.compute()


@pytest.mark.parametrize(
    ("name", "reference"),
    [("bleu", sacrebleu.BLEU), ("chrf", sacrebleu.CHRF), ("ter", sacrebleu.TER)],
)
def test_sacrebleu_metrics_equal_corpus_score_exactly(pairs, name, reference):
    hyps, refs = pairs
    result = run(name, hyps, refs)
    expected = reference()
    assert result.value == expected.corpus_score(hyps, [refs]).score  # exact, not approximate
    assert result.signature["sacrebleu"] == str(expected.get_signature())
    assert result.n == len(hyps)


@pytest.mark.parametrize(
    ("name", "rouge_type"),
    [
        ("rouge1", "rouge1"),
        ("rouge2", "rouge2"),
        ("rouge-l", "rougeL"),
        ("rouge-lsum", "rougeLsum"),
    ],
)
def test_rouge_equals_rouge_score(pairs, name, rouge_type):
    """The mean of rouge-score's per-segment F; 1e-12 allows for summation order only."""
    hyps, refs = pairs
    scorer = RougeScorer([rouge_type])
    expected = statistics.fmean(
        scorer.score(r, h)[rouge_type].fmeasure for h, r in zip(hyps, refs, strict=True)
    )
    assert run(name, hyps, refs).value == pytest.approx(expected, rel=1e-12)


def test_rouge_s_matches_lin_2004_worked_examples():
    """Lin (2004), section 5: S1 against S2, S3, S4 with beta = 1 gives 0.5, 0.167, 0.333."""
    s1 = ["police", "killed", "the", "gunman"]
    s2 = ["police", "kill", "the", "gunman"]
    s3 = ["the", "gunman", "kill", "police"]
    s4 = ["the", "gunman", "police", "killed"]
    assert rouge_s(s2, s1)[2] == pytest.approx(3 / 6)
    assert rouge_s(s3, s1)[2] == pytest.approx(1 / 6)
    assert rouge_s(s4, s1)[2] == pytest.approx(2 / 6)
    # The section's point: S4 beats S3 under ROUGE-S, while ROUGE-L ties them.
    assert rouge_s(s4, s1)[2] > rouge_s(s3, s1)[2]


def test_rouge_s_max_gap():
    """Skip distance limits: with gap 0 only adjacent pairs count (= ROUGE-2 of rouge-score)."""
    s1, s2 = ["police", "killed", "the", "gunman"], ["police", "kill", "the", "gunman"]
    # Gap 0: bigrams; only "the gunman" matches out of 3 each side.
    assert rouge_s(s2, s1, max_gap=0)[2] == pytest.approx(1 / 3)
    # Gap 1: pairs at distance <= 2: 5 each side; matches "police the", "the gunman".
    assert rouge_s(s2, s1, max_gap=1)[2] == pytest.approx(2 / 5)
    tokenize = DefaultTokenizer(use_stemmer=False).tokenize
    scorer = RougeScorer(["rouge2"])
    for h, r in [("the cat sat on the mat", "the cat is on the mat"), ("a b a b", "a b b a")]:
        expected = scorer.score(r, h)["rouge2"].fmeasure
        assert rouge_s(tokenize(h), tokenize(r), max_gap=0)[2] == pytest.approx(expected)


def test_bootstrap_interval_brackets_the_value_and_is_seeded(pairs):
    hyps, refs = pairs
    first = run("bleu", hyps, refs, resamples=100)
    again = run("bleu", hyps, refs, resamples=100)
    assert first.ci_low < first.value < first.ci_high
    assert (first.ci_low, first.ci_high) == (again.ci_low, again.ci_high)
    assert "boot100" in first.signature["ci"]


def test_mismatched_segment_counts_are_an_error():
    with pytest.raises(ValueError, match="2 hypotheses but 1 references"):
        run("bleu", ["a", "b"], ["a"])


def test_distinct_n_closed_form_and_exact_replicates():
    texts = ["a b a b", "a b c", "d d d d"]
    metric = METRICS.get("distinct-2")()
    metric.update(texts, texts)
    # bigrams: (ab ba ab) (ab bc) (dd dd dd): 8 in all; distinct ab ba bc dd = 4.
    assert metric.compute().value == pytest.approx(4 / 8)
    stats = metric.segment_stats({})
    # A replicate drawing text 0 twice and text 2 once: 9 bigrams, distinct ab ba dd.
    assert metric.score(np.array([2.0, 0.0, 1.0]) @ stats) == pytest.approx(3 / 9)
    one = METRICS.get("distinct-1")()
    one.update(texts, texts)
    assert one.compute().value == pytest.approx(4 / 11)  # a b c d of 11 words


def test_self_bleu_definition():
    same = ["the cat sat on the mat today"] * 3
    metric = METRICS.get("self-bleu")()
    metric.update(same, same)
    assert metric.compute().value == pytest.approx(100.0)
    texts = ["the cat sat on the mat", "the dog sat on the log", "a bird flew over it"]
    metric = METRICS.get("self-bleu")()
    metric.update(texts, texts)
    bleu = sacrebleu.BLEU(effective_order=True)
    expected = statistics.fmean(
        bleu.sentence_score(t, texts[:i] + texts[i + 1 :]).score for i, t in enumerate(texts)
    )
    assert metric.compute().value == pytest.approx(expected, rel=1e-12)


@pytest.fixture(scope="module")
def gpt(tmp_path_factory):
    return HFCausalLMAdapter.load(tiny_gpt(tmp_path_factory.mktemp("gpt"), n_positions=32), CPU)


TEXT = (
    "the object has an attribute and the attribute has a value that a function "
    "returns to the caller of the function while the cat sat on the mat"
)


def test_hf_perplexity_equals_a_direct_transformers_computation(gpt):
    """One window: transformers' own mean loss over the same ids, times the count."""
    ids = [gpt.tokenizer.eos_token_id, *gpt.tokenizer(TEXT[:60])["input_ids"]]
    assert len(ids) <= gpt.window
    with torch.no_grad():
        loss = gpt.model(torch.tensor([ids]), labels=torch.tensor([ids])).loss
    result = gpt.log_likelihood(TEXT[:60])
    assert result.tokens == len(ids) - 1
    assert -result.logprob / result.tokens == pytest.approx(float(loss), rel=1e-4)


@pytest.mark.parametrize("stride", [8, 16, 31])
def test_sliding_window_scores_each_token_once_with_its_context(gpt, stride):
    """Brute force: each token scored from the window ending at it in the stride scheme."""
    ids = [gpt.tokenizer.eos_token_id, *gpt.tokenizer(TEXT)["input_ids"]]
    window = gpt.window
    assert len(ids) > window  # the text needs more than one window
    expected = 0.0
    begin, scored = 0, 1
    while scored < len(ids):
        end = min(begin + window, len(ids))
        for t in range(scored, end):
            with torch.no_grad():
                logits = gpt.model(torch.tensor([ids[begin:t]])).logits[0, -1]
            expected += float(logits.double().log_softmax(-1)[ids[t]])
        scored, begin = end, begin + stride
    result = gpt.log_likelihood(TEXT, stride=stride)
    assert result.tokens == len(ids) - 1
    assert result.logprob == pytest.approx(expected, rel=1e-4)


def test_stride_must_leave_context(gpt):
    with pytest.raises(ValueError, match=r"stride must be in 1\.\.31"):
        gpt.log_likelihood(TEXT, stride=32)


def test_perplexity_metric_normalisations(gpt):
    segments = [TEXT[:50], TEXT[50:]]
    results = {}
    for cls_name in ("perplexity", "perplexity-word", "bits-per-byte"):
        metric = METRICS.get(cls_name)()
        metric.update_model(gpt, segments)
        results[cls_name] = metric.compute()
    lls = [gpt.log_likelihood(s) for s in segments]
    logprob = sum(r.logprob for r in lls)
    assert results["perplexity"].value == pytest.approx(
        math.exp(-logprob / sum(r.tokens for r in lls))
    )
    words = sum(len(s.split()) for s in segments)
    assert results["perplexity-word"].value == pytest.approx(math.exp(-logprob / words))
    nbytes = sum(len(s.encode()) for s in segments)
    assert results["bits-per-byte"].value == pytest.approx(-logprob / nbytes / math.log(2))
    assert results["perplexity"].signature["tokenizer"] == gpt.tokenizer_name


class CountingModel:
    """Delegates ``log_likelihood`` and counts the calls."""

    def __init__(self, model):
        self.model, self.calls = model, 0

    def log_likelihood(self, text, stride=None):
        self.calls += 1
        return self.model.log_likelihood(text, stride)


def test_perplexity_is_scored_once_per_model_fingerprint_in_a_run(gpt):
    """The cells of one model (e.g. its temperature sweep) share its held-out likelihoods;
    another fingerprint is scored anew. Each cell loads its own adapter object."""
    from benchbench.outputs.text import TextEvaluator, TextSamples

    segments = [TEXT[:50], TEXT[50:]]
    evaluator = TextEvaluator(["perplexity", "perplexity-word"], "r", segments, None)
    samples = TextSamples(["a b"], ["p"], ["a c"], [[]])
    cells = [("weights-1", CountingModel(gpt)) for _ in range(3)] + [
        ("weights-2", CountingModel(gpt))
    ]
    values = [evaluator.evaluate(samples, model, key)[1].value for key, model in cells]
    assert [model.calls for _, model in cells] == [2, 0, 0, 2]
    assert len(set(values)) == 1


def test_perplexity_needs_a_language_model():
    metric = Perplexity()
    metric.update_model(object(), ["some text"])
    with pytest.raises(ValueError, match="log_likelihood"):
        metric.compute()


@pytest.mark.slow
def test_rolling_loglikelihood_equals_lm_evaluation_harness(tmp_path):
    """lm-eval's loglikelihood_rolling on the same saved model: every token after an
    end-of-text token. For texts within one window the partition into windows is the
    same, so the sums agree (beyond it lm-eval's disjoint windows keep 1 token of context
    and ours ``window - stride``, so they differ by design)."""
    pytest.importorskip("lm_eval", reason="lm-eval is a dev dependency")
    from lm_eval.api.instance import Instance
    from lm_eval.models.huggingface import HFLM

    path = tiny_gpt(tmp_path / "gpt", n_positions=32)
    texts = [TEXT[:40], TEXT[40:90], "a function returns"]
    harness = HFLM(pretrained=str(path), device="cpu", batch_size=1, max_length=32)
    requests = [
        Instance(request_type="loglikelihood_rolling", doc={}, arguments=(t,), idx=i)
        for i, t in enumerate(texts)
    ]
    expected = harness.loglikelihood_rolling(requests, disable_tqdm=True)
    ours = HFCausalLMAdapter.load(path, CPU)
    for text, reference in zip(texts, expected, strict=True):
        assert ours.log_likelihood(text).tokens < 32
        assert ours.log_likelihood(text).logprob == pytest.approx(reference, rel=1e-4)
