"""Text adapters: the real loading paths on tiny models, sampling contracts, clear errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from benchbench.adapters import resolve_adapter
from benchbench.adapters.text_base import filter_logits
from benchbench.adapters.text_hf import HFCausalLMAdapter, MissingModelError
from benchbench.adapters.text_ngram import NGramAdapter
from benchbench.nets.lm.ngram import KneserNeyLM, Spelling
from tests.support.text_models import SENTENCES, tiny_gpt

CPU = torch.device("cpu")
PROMPTS = ["the cat sat", "a function returns"]


@pytest.fixture(scope="module")
def gpt(tmp_path_factory):
    return HFCausalLMAdapter.load(tiny_gpt(tmp_path_factory.mktemp("gpt")), CPU)


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_registered_names_resolve():
    assert resolve_adapter("hf-causal-lm") is HFCausalLMAdapter
    assert resolve_adapter("ngram-lm") is NGramAdapter


@pytest.mark.parametrize("params", [{}, {"temperature": 0.0}, {"top_k": 5, "top_p": 0.9}])
def test_hf_generates_exactly_max_new_tokens_and_is_seeded(gpt, params):
    first = gpt.sample(2, gen(1), prompts=PROMPTS, max_new_tokens=7, **params)
    again = gpt.sample(2, gen(1), prompts=PROMPTS, max_new_tokens=7, **params)
    assert first.texts == again.texts
    assert first.new_tokens == [7, 7]
    assert [len(lp) for lp in first.token_logprobs] == [7, 7]
    assert all(lp <= 0 for row in first.token_logprobs for lp in row)


def test_hf_beam_search_runs(gpt):
    out = gpt.sample(2, gen(0), prompts=PROMPTS, max_new_tokens=4, num_beams=3, temperature=0.0)
    assert out.new_tokens == [4, 4] and len(out.texts) == 2


def test_hf_token_logprobs_match_a_forward_pass(gpt):
    """The returned log-probabilities are the model's own (temperature 1) for the chosen tokens."""
    out = gpt.sample(1, gen(3), prompts=PROMPTS[:1], max_new_tokens=5, temperature=0.8)
    prompt = gpt.tokenizer(PROMPTS[0])["input_ids"]
    new = gpt.tokenizer(out.texts[0], add_special_tokens=False)["input_ids"]
    ids = torch.tensor([prompt + new])
    logp = gpt.model(ids).logits[0, len(prompt) - 1 : -1].double().log_softmax(-1)
    expected = logp.gather(-1, torch.tensor(new).unsqueeze(-1)).squeeze(-1)
    if len(new) == 5:  # decoding can merge tokens differently; compare only when it did not
        assert torch.allclose(torch.tensor(out.token_logprobs[0]), expected, atol=1e-5)


def test_missing_model_directory_is_a_clear_error(tmp_path):
    with pytest.raises(MissingModelError, match="never downloads"):
        HFCausalLMAdapter.load(tmp_path / "gpt2", CPU)
    (tmp_path / "empty").mkdir()
    with pytest.raises(MissingModelError, match=r"config\.json"):
        HFCausalLMAdapter.load(tmp_path / "empty", CPU)


def test_prompts_must_match_the_batch(gpt):
    with pytest.raises(ValueError, match="prompts"):
        gpt.sample(3, gen(0), prompts=PROMPTS)
    with pytest.raises(ValueError, match="continues prompts"):
        gpt.sample(2, gen(0))


def test_filter_logits_top_k_top_p_and_greedy():
    logits = torch.tensor([[2.0, 1.0, 0.5, -1.0]])
    kept = filter_logits(logits, 1.0, 2, 1.0).exp()
    assert torch.allclose(kept[0, :2], logits[0, :2].softmax(-1).double())
    assert kept[0, 2:].sum() == 0
    probs = logits.softmax(-1)[0]
    nucleus = filter_logits(logits, 1.0, 0, float(probs[0]) + 1e-6).exp()[0]
    assert nucleus[2:].sum() == 0 and nucleus[:2].sum() == pytest.approx(1.0)
    assert filter_logits(logits, 0.0, 0, 1.0).exp()[0].tolist() == [1.0, 0.0, 0.0, 0.0]


def test_ngram_kneser_ney_is_a_distribution_and_finite_on_unseen_words():
    lm = KneserNeyLM.train(" ".join(SENTENCES), order=3)
    for context in [(), ("the", "cat"), ("unseen", "words"), ("sat", "on")]:
        ids = lm.context(lm.encode(list(context)))
        assert lm.distribution(ids).sum() == pytest.approx(1.0, abs=1e-12)
        assert all(lm.prob(w, ids) == pytest.approx(lm.distribution(ids)[w]) for w in (0, 5, 9))
    logprobs = lm.log_prob_tokens(["the", "zebra", "sat", "on", "a", "xylophone"])
    assert all(math.isfinite(lp) and lp < 0 for lp in logprobs)


def test_ngram_bigram_matches_hand_computed_kneser_ney():
    """Text "a b a b a c" as a bigram model, worked by hand (interpolated KN, Chen & Goodman).

    Bigram counts with <s>: (a,b):2 (b,a):2 (<s>,a):1 (a,c):1, so n1=2, n2=2 and
    D2 = 2/(2+4) = 1/3. Continuation counts: a:2 (after <s> and b), b:1, c:1 (total 4),
    n1=2, n2=1, D1 = 2/4 = 1/2. Vocabulary <unk> <s> a b c: 5 words.
    P1(b) = (1 - 1/2)/4 + (1/2)(3/4)(1/5) = 1/5.
    P(b | a) = (2 - 1/3)/3 + (1/3)(2/3) P1(b) = 5/9 + 2/45 = 3/5.
    """
    lm = KneserNeyLM.train("a b a b a c", order=2)
    a, b = lm.encode(["a", "b"])
    assert lm.prob(b, ()) == pytest.approx(0.2, rel=1e-12)
    assert lm.prob(b, (a,)) == pytest.approx(0.6, rel=1e-12)


def test_ngram_spelling_model_matches_hand_computed_bigrams():
    """Fitted on the one word "ab": counts start→a, a→b, b→end are 1, every row of the
    add-one table has 257 outcomes (256 bytes and the end symbol).
    P("ab") = (2/258)^3; P("x") = P(x | start) P(end | x) = (1/258)(1/257)."""
    spelling = Spelling.fit(["ab"])
    assert spelling.log_prob("ab") == pytest.approx(3 * math.log(2 / 258), rel=1e-12)
    assert spelling.log_prob("x") == pytest.approx(math.log(1 / 258 / 257), rel=1e-12)
    assert np.exp(spelling.log_probs).sum(axis=1) == pytest.approx(np.ones(257), abs=1e-12)


def test_ngram_scores_an_unseen_word_as_unk_times_its_spelling():
    """Open vocabulary: an unseen word costs P(<unk> | context) and its spelling, so a
    longer unseen word costs more (scoring it as <unk> alone would not)."""
    lm = KneserNeyLM.train(" ".join(SENTENCES), order=3)
    context = lm.context(lm.encode(["the", "cat"]))
    unseen = lm.log_prob_tokens(["the", "cat", "zebra"])[2]
    assert unseen == pytest.approx(
        math.log(lm.prob(0, context)) + lm.spelling.log_prob("zebra"), rel=1e-12
    )
    assert lm.log_prob_tokens(["the", "cat", "zebrazebra"])[2] < unseen


def test_ngram_save_load_round_trip(tmp_path):
    lm = KneserNeyLM.train(" ".join(SENTENCES), order=3)
    lm.save(tmp_path / "lm.npz")
    adapter = NGramAdapter.load(tmp_path / "lm.npz", CPU)
    text = "the cat sat on the log"
    assert adapter.log_likelihood(text).logprob == pytest.approx(
        sum(lm.log_prob_tokens(text.split()))
    )
    out = adapter.sample(2, gen(0), prompts=PROMPTS, max_new_tokens=6)
    assert out.new_tokens == [6, 6] and all(len(t.split()) == 6 for t in out.texts)
    assert "<unk>" not in " ".join(out.texts)
    assert out.texts == adapter.sample(2, gen(0), prompts=PROMPTS, max_new_tokens=6).texts


def test_lstm_zoo_model_samples_bytes_and_scores_text():
    from benchbench.zoo import weights_path

    lstm = resolve_adapter("lstm-lm").load(weights_path("lstm-prose"), CPU)
    out = lstm.sample(2, gen(0), prompts=PROMPTS, max_new_tokens=20, temperature=0.8)
    assert out.new_tokens == [20, 20] and [len(lp) for lp in out.token_logprobs] == [20, 20]
    assert (
        out.texts
        == lstm.sample(2, gen(0), prompts=PROMPTS, max_new_tokens=20, temperature=0.8).texts
    )
    text = "the cat sat on the mat"
    result = lstm.log_likelihood(text)
    assert result.tokens == len(text.encode())
    # The same sum by hand: one byte at a time through the recurrent state.
    state, total, previous = None, 0.0, 10
    for byte in text.encode():
        logits, state = lstm.net(torch.tensor([[previous]]), state)
        total += float(logits[0, -1].double().log_softmax(-1)[byte])
        previous = byte
    assert result.logprob == pytest.approx(total, rel=1e-6)
