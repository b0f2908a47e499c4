"""Metrics by name, and what each consumes: the table a suite is checked against.

A suite names its metrics; checking a name, and whether the suite's models and
reference data provide what the metric consumes, must not import the metric's code —
validating a YAML file loads no scoring module. So each built-in metric is registered
with its lazy ``"module:attr"`` target *and* its ``inputs``; ``tests/test_catalogue.py``
holds every declared ``inputs`` equal to the class's own. Plug-in metrics (the
``benchbench.metrics`` entry-point group) are imported when asked, as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from benchbench.registry import Registry

if TYPE_CHECKING:
    from benchbench.metrics import Metric

# What a metric may ask for (``Metric.inputs``), by what the suite's models output;
# ``MetricInputs`` provides each by name.
INPUTS_BY_OUTPUT: dict[str, tuple[str, ...]] = {
    "image": (
        "images",  # generated samples, float in [0, 1], NCHW
        "features",  # extractor features of the samples
        "logits",  # extractor class logits of the samples
        "reference_images",
        "reference_features",
        "model",  # the adapter that produced the samples (for latent-space metrics)
        "extractor",  # the feature extractor itself, to embed images a metric makes
        "conditions",  # with a suite's prompts: the Prompt each sample was asked for
    ),
    "audio": (
        "waveforms",  # generated clips, float in [-1, 1], [N, 1, samples], at the model's rate
        "features",  # extractor features of the clips (resampled to the extractor's rate)
        "logits",  # extractor class logits of the clips
        "reference_waveforms",
        "reference_features",
        "extractor",  # the feature extractor itself
        "conditions",  # with a suite's prompts: the Prompt (class) each clip was asked for
    ),
    "video": (
        "videos",  # generated clips, float in [0, 1], [N, frames, C, H, W], at the model's fps
        "features",  # extractor clip features of the videos
        "logits",  # extractor class logits of the videos
        "frame_features",  # extractor per-frame features, one row per frame, clip-major
        "reference_videos",
        "reference_features",
        "reference_frame_features",
        "extractor",  # the feature extractor itself
        "conditions",  # with a suite's prompts: the Prompt (class) each clip was asked for
    ),
    "text": (
        "texts",  # generated continuations
        "prompts",  # the prompts they continue
        "references",  # the true continuations
        "heldout",  # held-out passages the model's perplexity is measured on
        "model",  # the language model (for perplexity)
        "model_fingerprint",  # its weights' identity, keying what depends on the model alone
    ),
}

# What most metrics consume: two feature sets, texts against their references, or a
# model's likelihood of held-out text.
SETS = ("reference_features", "features")
AGAINST_REFERENCES = ("texts", "references")
LIKELIHOOD = ("model", "heldout")

METRICS: Registry[type[Metric]] = Registry(
    "metric", base="benchbench.metrics:Metric", entry_point_group="benchbench.metrics"
)
for _name, (_target, _inputs) in {
    "fd": ("benchbench.metrics.features.fd:FrechetDistance", SETS),
    "fid": ("benchbench.metrics.features.fd:FrechetInceptionDistance", SETS),
    "fad": ("benchbench.metrics.features.fd:FrechetAudioDistance", SETS),
    "kd": ("benchbench.metrics.features.kd:KernelDistance", SETS),
    "kid": ("benchbench.metrics.features.kid:KernelInceptionDistance", SETS),
    "is": ("benchbench.metrics.features.isc:InceptionScore", ("logits",)),
    "precision": ("benchbench.metrics.features.prdc:Precision", SETS),
    "recall": ("benchbench.metrics.features.prdc:Recall", SETS),
    "density": ("benchbench.metrics.features.prdc:Density", SETS),
    "coverage": ("benchbench.metrics.features.prdc:Coverage", SETS),
    "lpips": ("benchbench.metrics.image.lpips_diversity:LPIPSDiversity", ("images",)),
    "ppl": (
        "benchbench.metrics.image.ppl:LatentPathLength",
        ("model", "reference_images", "extractor"),
    ),
    "cmmd": ("benchbench.metrics.image.cmmd:CMMD", SETS),
    "kad": ("benchbench.metrics.audio.kad:KernelAudioDistance", SETS),
    "fvd": ("benchbench.metrics.features.fd:FrechetVideoDistance", SETS),
    "fd-frames": (
        "benchbench.metrics.video.frames:FrameFrechetDistance",
        ("reference_frame_features", "frame_features"),
    ),
    "cond-accuracy": (
        "benchbench.metrics.features.conditional:ConditionalAccuracy",
        ("logits", "conditions"),
    ),
    "clip-score": ("benchbench.metrics.image.clip_score:CLIPScore", ("images", "conditions")),
    "prompt-diversity": (
        "benchbench.metrics.features.conditional:PromptDiversity",
        ("features", "conditions"),
    ),
    "bleu": ("benchbench.metrics.text.sacrebleu_metrics:BLEU", AGAINST_REFERENCES),
    "chrf": ("benchbench.metrics.text.sacrebleu_metrics:ChrF", AGAINST_REFERENCES),
    "ter": ("benchbench.metrics.text.sacrebleu_metrics:TER", AGAINST_REFERENCES),
    "rouge1": ("benchbench.metrics.text.rouge:Rouge1", AGAINST_REFERENCES),
    "rouge2": ("benchbench.metrics.text.rouge:Rouge2", AGAINST_REFERENCES),
    "rouge-l": ("benchbench.metrics.text.rouge:RougeL", AGAINST_REFERENCES),
    "rouge-lsum": ("benchbench.metrics.text.rouge:RougeLsum", AGAINST_REFERENCES),
    "rouge-s": ("benchbench.metrics.text.rouge:RougeS", AGAINST_REFERENCES),
    "rouge-s4": ("benchbench.metrics.text.rouge:RougeS4", AGAINST_REFERENCES),
    "perplexity": ("benchbench.metrics.text.perplexity:Perplexity", LIKELIHOOD),
    "perplexity-word": ("benchbench.metrics.text.perplexity:PerplexityPerWord", LIKELIHOOD),
    "bits-per-byte": ("benchbench.metrics.text.perplexity:BitsPerByte", LIKELIHOOD),
    "distinct-1": ("benchbench.metrics.text.diversity:DistinctN", ("texts",)),
    "distinct-2": ("benchbench.metrics.text.diversity:Distinct2", ("texts",)),
    "distinct-3": ("benchbench.metrics.text.diversity:Distinct3", ("texts",)),
    "self-bleu": ("benchbench.metrics.text.diversity:SelfBLEU", ("texts",)),
    "bertscore": ("benchbench.metrics.text.bertscore:BERTScore", AGAINST_REFERENCES),
    "mauve": ("benchbench.metrics.text.mauve_metric:MAUVE", AGAINST_REFERENCES),
}.items():
    METRICS.register(_name, _target, inputs=_inputs)


# What a training suite's `collapse:` thresholds may name: metrics that fall as the samples
# cover fewer of the reference's modes (higher is more diverse), since a seed counts as
# collapsed when one of them ends under its threshold. FD under 100 would mean nothing.
COLLAPSE_METRICS = (
    "recall",
    "coverage",
    "lpips",
    "prompt-diversity",
    "distinct-1",
    "distinct-2",
    "distinct-3",
)


# What a training suite measures besides its quality metrics: per training cell (one seed),
# and per setting (its stability cell, over the seeds); ``q`` is the suite's quality metric.
def training_metric_names(quality: str) -> tuple[str, ...]:
    """A training cell's own measurements (its final quality metrics come on top)."""
    return ("train_s", "steps_done", "diverged", "collapsed", f"best_{quality}", "best_step")


def stability_metric_names(quality: str) -> tuple[str, ...]:
    """A stability cell's measurements, over the seeds of one setting."""
    return (
        f"final_{quality}_median",
        f"final_{quality}_std",
        f"final_{quality}_iqr",
        "divergence_rate",
        "collapse_rate",
        "best_last_gap",
        "target_reached_rate",
        "time_to_target_s",
    )
