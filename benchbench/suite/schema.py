"""The suite schema: what a suite file may say, as frozen pydantic models with bounds.

A suite is frozen data (HELM's run specs): what to run, never how. Every number has a
bound checked here, so a suite cannot ask for unbounded work; ``sweep`` says what a list
value means (one cell per combination). Reading a file and reporting its problems with
file and line is ``suite.load``'s job; checking names against the registries is
``suite.checks``'.
"""

from __future__ import annotations

import itertools
import math
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_serializer,
)

from benchbench.fieldtypes import Real, WholeNumber

Loc = tuple[str | int, ...]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Bounds on every number a suite sets: each refuses values that could only be mistakes, so
# that a typo costs a validation error, not hours of sampling or a cell lost at the store.
MAX_SEED = 2**32 - 1  # numpy's RandomState (KID subsets, IS splits, MAUVE) takes 32-bit seeds
MAX_SAMPLES = 1_000_000
MAX_BATCH = 65_536
MAX_WARMUP = 1_000
MAX_REPEATS = 100_000
MAX_SECONDS = 3_600.0  # timed seconds per cell
# 10,000 replicates pin a 95% interval's percentiles far below a metric's own sampling
# error (scipy.stats.bootstrap's default is 9,999), and each replicate costs one score.
MAX_RESAMPLES = 10_000
DEFAULT_MAX_CELLS = 1_000  # more cells than this needs `max_cells:` in the suite
MAX_CELLS = 1_000_000


class SamplingSpec(StrictModel):
    num_samples: WholeNumber = Field(
        gt=0, le=MAX_SAMPLES, description="samples generated per cell for quality metrics"
    )
    batch_size: WholeNumber = Field(
        gt=0, le=MAX_BATCH, description="samples per sampling call (the timed unit)"
    )


class TimingSpec(StrictModel):
    warmup: WholeNumber = Field(
        1,
        ge=1,
        le=MAX_WARMUP,
        description="untimed calls before measuring; the first is the cold start",
    )
    min_repeats: WholeNumber = Field(
        5, ge=1, le=MAX_REPEATS, description="at least this many timed calls"
    )
    min_seconds: Real = Field(
        1.0, ge=0, le=MAX_SECONDS, description="and at least this much timed wall time"
    )
    max_repeats: WholeNumber = Field(
        1000, ge=1, le=MAX_REPEATS, description="stop adding calls for min_seconds after this many"
    )


class BootstrapSettings(StrictModel):
    resamples: WholeNumber = Field(
        200, ge=0, le=MAX_RESAMPLES, description="bootstrap resamples for CIs (0 = no CI)"
    )
    confidence: Real = Field(0.95, gt=0, lt=1)


class ReferenceSpec(StrictModel):
    dataset: str = Field(description="registered dataset name, e.g. digits")
    split: str = Field("test", description="split used as the reference set")


MAX_CPUS = 1_024  # per cell
MAX_GPUS = 64
MAX_MEMORY = 2**50  # bytes: a pebibyte


class Resources(StrictModel):
    """What one cell of the model needs on a cluster node (the Ray executor asks for it)."""

    num_cpus: Real = Field(1, gt=0, le=MAX_CPUS, description="CPU cores a cell may use")
    num_gpus: Real | None = Field(
        None,
        ge=0,
        le=MAX_GPUS,
        description="GPUs a cell needs; by default 1 when the device is CUDA, else 0",
    )
    memory: WholeNumber | None = Field(
        None,
        gt=0,
        le=MAX_MEMORY,
        description="bytes of RAM to reserve for a cell (none reserved by default)",
    )


CompileMode = Literal["off", "default", "reduce-overhead", "max-autotune"]
MemoryFormat = Literal["contiguous", "channels_last"]
Autocast = Literal["off", "bf16", "fp16"]


def _as_sweep(value: Any) -> list[Any]:
    """One value or a list of them (a sweep), as a list."""
    return value if isinstance(value, list) else [value]


class Variant(StrictModel):
    """How a cell runs its model's networks, whatever the family: one combination of a
    model's ``variant:`` block. The defaults are plain eager float32 sampling."""

    compile: CompileMode = "off"
    memory_format: MemoryFormat = "contiguous"
    autocast: Autocast = "off"
    cuda_graphs: bool = False

    def settings(self) -> dict[str, Any]:
        """The knobs set away from eager: what tells this cell from the eager one."""
        default = Variant()
        return {k: v for k, v in self.model_dump().items() if getattr(default, k) != v}


def _sweep_of(kind: Any) -> Any:
    return Annotated[list[kind], Field(min_length=1)]


class VariantSweep(StrictModel):
    """A model's ``variant:`` block: speed variants any model can sweep (a list is a sweep).
    Kept apart from ``params`` because they are the harness's, not the adapter's: they
    wrap the networks an adapter exposes, so no adapter declares or implements them."""

    compile: _sweep_of(CompileMode) = Field(
        ["off"], description="off, or a torch.compile mode applied to the model's networks"
    )
    memory_format: _sweep_of(MemoryFormat) = Field(
        ["contiguous"], description="channels_last: 4-D weights (convolutions) in NHWC"
    )
    autocast: _sweep_of(Autocast) = Field(
        ["off"], description="bf16 or fp16: sampling calls run under torch.autocast"
    )
    cuda_graphs: _sweep_of(bool) = Field(
        [False], description="replay sampling as CUDA graphs (refused where it cannot be honest)"
    )

    @field_validator("memory_format", "cuda_graphs", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> list[Any]:
        return _as_sweep(value)

    @field_validator("compile", "autocast", mode="before")
    @classmethod
    def _listed_off(cls, value: Any) -> list[Any]:
        """YAML reads a bare ``off`` as ``false``; both mean the knob is off."""
        return ["off" if v is False else v for v in _as_sweep(value)]

    def combos(self) -> list[Variant]:
        """Every variant the block sweeps, in file order."""
        return [Variant(**combo) for combo in sweep(self.model_dump())]


class ModelSpec(StrictModel):
    name: str = Field(min_length=1, description="display name, unique within the suite")
    adapter: str = Field(description="family adapter name, or package.module:function")
    weights: str | None = Field(
        None, description="zoo:NAME, or a path (relative to the suite file) to a checkpoint/dir"
    )
    params: dict[str, Any] = Field(
        default_factory=dict, description="adapter parameters; a list value is a sweep"
    )
    sampling: SamplingSpec | None = Field(None, description="overrides the suite's sampling")
    variant: VariantSweep = Field(
        default_factory=VariantSweep,
        description="speed variants (compile, memory_format, autocast, cuda_graphs); "
        "a list value is a sweep, crossed with the params' sweep",
    )
    init: Literal["weights", "random"] = Field(
        "weights",
        description="random: build the architecture from `config` with seeded random weights "
        "(speed and memory of full-size models without weights; no quality metrics)",
    )
    config: str | dict[str, Any] | None = Field(
        None,
        description="with init: random, a preset name (see benchbench.adapters.architectures) "
        "or the architecture's config as a mapping",
    )
    resources: Resources = Field(
        default_factory=Resources, description="per cell, for executors that schedule (ray)"
    )

    @model_serializer(mode="wrap")
    def _without_eager_variant(self, handler: Any) -> dict[str, Any]:
        """Drop a default (eager) ``variant`` so suites without one keep their hashes."""
        dumped = handler(self)
        if self.variant == VariantSweep():
            dumped.pop("variant", None)
        return dumped

    def cell_count(self) -> int:
        """How many cells the model plans: its params' sweep times its variants."""
        return sweep_size(self.params) * sweep_size(self.variant.model_dump())


MAX_TRAIN_STEPS = 1_000_000  # updates per training cell
MAX_TRAIN_SEEDS = 1_000
MAX_CHECKPOINTS = 1_000  # evaluations per training cell: each samples and scores the model
DEFAULT_LOG_EVERY = 25
SeedCount = Annotated[WholeNumber, Field(gt=0, le=MAX_TRAIN_SEEDS)]
SeedList = Annotated[
    list[Annotated[WholeNumber, Field(ge=0, le=MAX_SEED)]],
    Field(min_length=1, max_length=MAX_TRAIN_SEEDS),
]
# A count or a list, told apart by the value's shape, so an error names only the one meant.
Seeds = Annotated[
    Annotated[SeedCount, Tag("count")] | Annotated[SeedList, Tag("list")],
    Discriminator(lambda value: "list" if isinstance(value, list) else "count"),
]


def _finite_hyper(hyper: dict[str, Any]) -> dict[str, Any]:
    """Refuse .nan and .inf in hyper-parameters (also inside a sweep's list): a trainer's
    ``Hyper`` may not bound every float, and a NaN learning rate is always a typo."""
    for name, value in hyper.items():
        for one in _as_sweep(value):
            if isinstance(one, float) and not math.isfinite(one):
                raise ValueError(f"{name}: {one!r} is not a finite number")
    return hyper


class TrainingRecipe(StrictModel):
    """One trainer with its budget; each hyper-parameter combination × seed is a cell."""

    name: str = Field(min_length=1, description="display name, unique within the suite")
    trainer: str = Field(description="trainer name, or package.module:Class")
    steps: WholeNumber = Field(gt=0, le=MAX_TRAIN_STEPS, description="training updates")
    checkpoint_every: WholeNumber = Field(
        gt=0, le=MAX_TRAIN_STEPS, description="evaluate (and save resume state) every N steps"
    )
    log_every: WholeNumber | None = Field(
        None,
        gt=0,
        le=MAX_TRAIN_STEPS,
        description=f"one step block per N steps (default {DEFAULT_LOG_EVERY}, "
        "or checkpoint_every if smaller)",
    )
    hyper: dict[str, Any] = Field(
        default_factory=dict, description="trainer hyper-parameters; a list value is a sweep"
    )
    seeds: Seeds | None = Field(None, description="overrides training.seeds for this recipe")
    sampling: SamplingSpec | None = Field(None, description="overrides the suite's sampling")
    resources: Resources = Field(
        default_factory=Resources, description="per cell, for executors that schedule (ray)"
    )

    @field_validator("hyper")
    @classmethod
    def _hyper_finite(cls, hyper: dict[str, Any]) -> dict[str, Any]:
        return _finite_hyper(hyper)

    @property
    def log_interval(self) -> int:
        """Steps per block: ``log_every``, or the default capped at ``checkpoint_every``."""
        return self.log_every or min(DEFAULT_LOG_EVERY, self.checkpoint_every)


class TrainingSpec(StrictModel):
    """A training suite's ``training:`` block: recipes trained under several seeds, each
    checkpoint scored with the suite's metrics, and the stability figures' settings."""

    seeds: Seeds = Field(
        3, description="a count (seeds 0..n-1 offset by the suite seed) or a list of seeds"
    )
    quality: str = Field(description="the metric the stability figures and curves follow")
    collapse: dict[str, Real] = Field(
        default_factory=dict,
        description="a run collapsed if, at its last checkpoint, a named metric is below "
        "its threshold",
    )
    target: Real | None = Field(
        None, description="time to target: first checkpoint whose quality reaches it"
    )
    recipes: list[TrainingRecipe] = Field(min_length=1)

    def seeds_of(self, recipe: TrainingRecipe, base: int) -> list[int]:
        """The seeds ``recipe`` trains under (its own, or the block's), a count offset by the
        suite's seed ``base``."""
        seeds = self.seeds if recipe.seeds is None else recipe.seeds
        return list(seeds) if isinstance(seeds, list) else [base + i for i in range(seeds)]

    def cell_count(self, base: int) -> int:
        """How many training cells the block plans (hyper sweeps × seeds)."""
        return sum(sweep_size(r.hyper) * len(self.seeds_of(r, base)) for r in self.recipes)


class Tolerance(StrictModel):
    """How far a metric may move from its baseline in the bad direction before it regresses."""

    rel: Real | None = Field(None, ge=0, description="relative bound, e.g. 0.05 = 5% of baseline")
    abs: Real | None = Field(None, ge=0, description="absolute bound in the metric's unit")
    direction: Literal["lower_is_better", "higher_is_better"] | None = Field(
        None, description="defaults to the metric's own direction"
    )


# Defaults by kind of measurement: timings and memory vary more than seeded quality metrics.
DEFAULT_TOLERANCES = {
    "quality": Tolerance(rel=0.05),
    "stability": Tolerance(rel=0.05),  # a training setting's figures over its seeds
    "speed": Tolerance(rel=0.25),
    "memory": Tolerance(rel=0.25),
}


class GateSpec(StrictModel):
    alpha: Real = Field(
        0.002, gt=0, lt=1, description="significance level for a regression (asv's default)"
    )
    tolerances: dict[str, Tolerance] = Field(
        default_factory=dict,
        description="per metric; quality metrics, training stability figures, samples_per_s "
        "and peak memory are gated by default, with looser defaults for speed and memory",
    )
    ignore: list[str] = Field(
        default_factory=list, description="metrics never gated (e.g. timings on shared CI runners)"
    )


class Suite(StrictModel):
    name: str = Field(pattern=r"^[A-Za-z0-9_.\-]+$", description="names baselines and reports")
    description: str = ""
    seed: WholeNumber = Field(
        0, ge=0, le=MAX_SEED, description="base seed; batch i of every cell uses the same seed"
    )
    device: str = Field("auto", pattern=r"^(auto|cpu|cuda|cuda:\d+|mps)$")
    reference: ReferenceSpec
    features: str = Field("digits-cnn", description="feature extractor for image metrics")
    metrics: list[str] = Field(default_factory=list)
    bootstrap: BootstrapSettings = BootstrapSettings()
    sampling: SamplingSpec
    timing: TimingSpec = TimingSpec()
    models: list[ModelSpec] = Field(
        default_factory=list, description="the models of a sampling suite"
    )
    training: TrainingSpec | None = Field(
        None, description="a training suite: recipes trained under seeds (then no `models`)"
    )
    gate: GateSpec = GateSpec()
    prompts: str | None = Field(
        None,
        description="conditional image suites: a prompt file (.txt or .jsonl, relative to the "
        "suite); sample i is asked for prompt i mod the number of prompts",
    )
    roofline: Literal["auto", "always", "never"] = Field(
        "auto",
        description="count the FLOPs and bytes of one sampling call per cell (untimed) and "
        "report achieved FLOP/s against the device's peak; auto: on CUDA only",
    )
    max_cells: WholeNumber = Field(
        DEFAULT_MAX_CELLS,
        ge=1,
        le=MAX_CELLS,
        exclude=True,  # a confirmation, not part of what is measured: left out of the hash
        description=f"the most cells (models × sweep combinations) the suite may plan; above "
        f"{DEFAULT_MAX_CELLS:,}, set it to confirm that a large sweep is meant",
    )

    @model_serializer(mode="wrap")
    def _without_training(self, handler: Any) -> dict[str, Any]:
        """Drop an absent ``training`` (and a training suite's empty ``models``) so sampling
        suites keep their hashes."""
        dumped = handler(self)
        if self.training is None:
            dumped.pop("training", None)
        elif not self.models:
            dumped.pop("models", None)
        return dumped


def sweep(params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every combination of a params dict where list values are sweeps (in file order)."""
    keys = list(params)
    values = [v if isinstance(v, list) else [v] for v in params.values()]
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]


def sweep_size(params: dict[str, Any]) -> int:
    """How many combinations ``sweep(params)`` makes, without making them."""
    return math.prod(len(v) for v in params.values() if isinstance(v, list))
