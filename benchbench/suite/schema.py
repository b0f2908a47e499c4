"""Benchmark suites: the YAML schema, and validation errors that say file, line and field.

A suite is frozen data (HELM's run specs): what to run, never how. Validation has
two passes. Pydantic checks shape and types (unknown keys, wrong types, missing
fields); then names are checked against the registries (adapters, metrics, feature
extractors, datasets), weights are found on disk, and every sweep combination of a
model's params is validated against its adapter's declared ``Params``. All problems
are reported together, each as ``file:line: field: message``.
"""

from __future__ import annotations

import itertools
import math
import types
import typing
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from benchbench.fieldtypes import Real, WholeNumber
from benchbench.hashing import stable_hash
from benchbench.registry import RegistryError, UnknownNameError, did_you_mean
from benchbench.suite.prompts import Prompt, PromptFileError, load_prompts
from benchbench.suite.yamlsource import YamlSource, YamlSyntaxError, load_yaml

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
    "speed": Tolerance(rel=0.25),
    "memory": Tolerance(rel=0.25),
}


class GateSpec(StrictModel):
    alpha: Real = Field(
        0.002, gt=0, lt=1, description="significance level for a regression (asv's default)"
    )
    tolerances: dict[str, Tolerance] = Field(
        default_factory=dict,
        description="per metric; quality metrics, samples_per_s and peak memory are gated "
        "by default, with looser defaults for speed and memory",
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
    models: list[ModelSpec] = Field(min_length=1)
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


@dataclass(frozen=True)
class Problem:
    file: Path
    line: int | None
    loc: Loc
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        field = format_loc(self.loc)
        return f"{where}: {field}: {self.message}" if field else f"{where}: {self.message}"


class SuiteError(ValueError):
    """Everything wrong with a suite file, one problem per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("invalid suite:\n" + "\n".join(f"  {p}" for p in problems))


def format_loc(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass(frozen=True)
class LoadedSuite:
    """A validated suite and where it came from."""

    suite: Suite
    path: Path

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def suite_hash(self) -> str:
        return stable_hash(self.suite.model_dump(mode="json"))

    def prompts(self) -> list[Prompt] | None:
        """The prompts each sample is asked for, in order (None: an unconditional suite)."""
        return self._prompts

    @cached_property
    def _prompts(self) -> list[Prompt] | None:  # read once: the plan and the runner both ask
        if self.suite.prompts is None:
            return None
        return load_prompts(self.base_dir / self.suite.prompts)


def load_suite(path: str | Path) -> LoadedSuite:
    """Read, validate and return a suite, or raise ``SuiteError`` listing every problem."""
    path = Path(path)
    source = _read_source(path)
    try:
        suite = Suite.model_validate(source.data)
    except ValidationError as exc:
        raise SuiteError(_pydantic_problems(exc, source, Suite)) from None
    problems = _semantic_problems(suite, source)
    if problems:
        raise SuiteError(problems)
    return LoadedSuite(suite, path)


def _read_source(path: Path) -> YamlSource:
    """The suite file's YAML, which must be a mapping; anything else is a ``SuiteError``."""
    if path.is_dir():
        found = sorted(p.name for p in path.glob("*.yaml"))[:3]
        hint = f" (it holds {', '.join(found)})" if found else ""
        raise SuiteError([Problem(path, None, (), f"is a directory, not a suite file{hint}")])
    if not path.exists():
        raise SuiteError([Problem(path, None, (), "suite file not found")])
    if not path.is_file():
        raise SuiteError([Problem(path, None, (), "not a regular file; a suite is a YAML file")])
    try:
        source = load_yaml(path)
    except YamlSyntaxError as exc:
        raise SuiteError([Problem(path, exc.line, (), exc.message)]) from None
    if source.data is None:
        message = "the file holds no YAML (it is empty or only comments)"
    elif not isinstance(source.data, dict):
        message = f"the file holds a {type(source.data).__name__}"
    else:
        return source
    raise SuiteError(
        [
            Problem(
                path,
                source.line_of(()) or 1,
                (),
                f"{message}; a suite is a YAML mapping (name: ..., models: ...)",
            )
        ]
    )


def _pydantic_problems(
    exc: ValidationError, source: YamlSource, model: type[BaseModel]
) -> list[Problem]:
    return [
        _problem_from_pydantic(error, source, model, prefix=())
        for error in exc.errors(include_url=False)
    ]


def _problem_from_pydantic(
    error: dict[str, Any], source: YamlSource, model: type[BaseModel], prefix: Loc
) -> Problem:
    loc = (*prefix, *error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        name = str(error["loc"][-1])
        allowed = _field_names_at(model, error["loc"][:-1])
        hint = did_you_mean(name, allowed)
        message = f"unknown field {name!r}" + (f"; did you mean {hint!r}?" if hint else "")
        message += f" (allowed: {', '.join(allowed)})" if allowed else ""
    elif kind == "missing":
        message = "required field is missing"
    elif kind == "int_type" and isinstance(error.get("input"), bool | float):
        message = f"a whole number is expected (got {error['input']!r})"
    else:
        given = error.get("input")
        message = (
            f"{error['msg']} (got {given!r})"
            if not isinstance(given, dict | list)
            else error["msg"]
        )
    return Problem(source.path, source.line_of(loc), loc, message)


def _field_names_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """The field names of the (nested) model found at ``loc``, for "did you mean"."""
    annotation: Any = model
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(part, int):
            args = typing.get_args(annotation)
            annotation = args[0] if args else Any
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(part)
            annotation = field.annotation if field else Any
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """``X | None`` → ``X``."""
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def sweep(params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every combination of a params dict where list values are sweeps (in file order)."""
    keys = list(params)
    values = [v if isinstance(v, list) else [v] for v in params.values()]
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]


def sweep_size(params: dict[str, Any]) -> int:
    """How many combinations ``sweep(params)`` makes, without making them."""
    return math.prod(len(v) for v in params.values() if isinstance(v, list))


def _semantic_problems(suite: Suite, source: YamlSource) -> list[Problem]:
    from benchbench.adapters import resolve_adapter
    from benchbench.adapters.weights import WeightsError, resolve_weights
    from benchbench.data import DATASETS
    from benchbench.extractors.base import EXTRACTORS
    from benchbench.measure.memory import MEMORY_METRICS
    from benchbench.measure.timing import SPEED_METRICS
    from benchbench.metrics import INPUTS_BY_OUTPUT, METRICS

    problems: list[Problem] = []

    def add(loc: Loc, message: str) -> None:
        problems.append(Problem(source.path, source.line_of(loc), loc, message))

    def check_name(registry: Any, name: str, loc: Loc) -> Any:
        try:
            return registry.get(name)
        except UnknownNameError as exc:
            add(loc, str(exc))
        except RegistryError as exc:
            add(loc, f"cannot load {name!r}: {exc}")
        return None

    dataset = check_name(DATASETS, suite.reference.dataset, ("reference", "dataset"))
    provided = set(INPUTS_BY_OUTPUT.get(dataset.output, ())) if dataset is not None else set()
    provided.discard("conditions")  # only with a valid prompt file, below
    if suite.prompts is not None and dataset is not None and dataset.output != "image":
        add(
            ("prompts",), f"prompts condition image suites; {dataset.name!r} holds {dataset.output}"
        )
    elif suite.prompts is not None:
        try:
            load_prompts(source.path.parent / suite.prompts)
            provided.add("conditions")
        except PromptFileError as exc:
            add(("prompts",), str(exc))
    if dataset is not None and suite.reference.split not in dataset.splits:
        add(
            ("reference", "split"),
            f"dataset {dataset.name!r} has no split "
            f"{suite.reference.split!r}; choose one of {', '.join(dataset.splits)}",
        )
    check_name(EXTRACTORS, suite.features, ("features",))
    for i, metric in enumerate(suite.metrics):
        metric_class = check_name(METRICS, metric, ("metrics", i))
        if metric_class is not None and dataset is not None:
            missing = set(metric_class.inputs) - provided
            if missing == {"conditions"}:
                add(("metrics", i), f"metric {metric!r} needs prompts: set `prompts:` to a file")
            elif missing:
                add(
                    ("metrics", i),
                    f"metric {metric!r} needs {', '.join(sorted(missing))}, which a suite on "
                    f"{dataset.output} ({dataset.name!r}) does not provide",
                )
        if suite.metrics.index(metric) != i:
            add(("metrics", i), f"metric {metric!r} is listed twice")

    known_metrics = [*suite.metrics, *SPEED_METRICS, *MEMORY_METRICS]
    gate_names = [(("gate", "tolerances", m), m) for m in suite.gate.tolerances]
    gate_names += [(("gate", "ignore", i), m) for i, m in enumerate(suite.gate.ignore)]
    for loc, metric in gate_names:
        if metric not in known_metrics:
            hint = did_you_mean(metric, known_metrics)
            add(
                loc,
                f"no metric {metric!r} in this suite"
                + (f"; did you mean {hint!r}?" if hint else "")
                + f" (gateable: {', '.join(known_metrics)})",
            )

    problems.extend(_size_problems(suite, source))
    too_many = sum(sweep_size(model.params) for model in suite.models) > suite.max_cells
    seen: dict[str, int] = {}
    for i, model in enumerate(suite.models):
        loc: Loc = ("models", i)
        if model.name in seen:
            add(
                (*loc, "name"),
                f"model name {model.name!r} is already used by models[{seen[model.name]}]",
            )
        seen.setdefault(model.name, i)
        try:
            adapter = resolve_adapter(model.adapter)
        except UnknownNameError as exc:
            add((*loc, "adapter"), str(exc))
            continue
        except (RegistryError, TypeError) as exc:
            add((*loc, "adapter"), str(exc))
            continue
        if dataset is not None and adapter.output != dataset.output:
            add(
                (*loc, "adapter"),
                f"adapter {model.adapter!r} makes {adapter.output}, but the reference dataset "
                f"{dataset.name!r} holds {dataset.output}",
            )
        if too_many:  # refused anyway; checking each model's weights and sweep could take hours
            continue
        if model.init == "random":
            problems.extend(_random_init_problems(model, adapter, suite, source, loc))
        elif model.config is not None:
            add((*loc, "config"), "config describes a random-weight model: set `init: random`")
        elif model.weights is None:
            if adapter.requires_weights:
                add(loc, f"adapter {model.adapter!r} needs 'weights' (zoo:NAME or a path)")
        else:
            try:
                adapter.check_weights(resolve_weights(model.weights, source.path.parent))
            except (WeightsError, ValueError, OSError) as exc:
                add((*loc, "weights"), str(exc))
        problems.extend(_params_problems(model, adapter, source, loc))
    return problems


def _params_problems(model: ModelSpec, adapter: Any, source: YamlSource, loc: Loc) -> list[Problem]:
    """Every sweep combination of ``model``'s params checked against its adapter's ``Params``
    (each problem once, though several combinations share it)."""
    found: list[Problem] = []
    for combo in sweep(model.params):
        try:
            adapter.Params.model_validate(combo)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                problem = _problem_from_pydantic(error, source, adapter.Params, (*loc, "params"))
                if problem not in found:
                    found.append(problem)
    return found


def _size_problems(suite: Suite, source: YamlSource) -> list[Problem]:
    """Numbers that are each in bounds but do not fit together: more repeats required than
    allowed, an empty sweep, or more cells than the suite confirms with ``max_cells``."""
    found: list[tuple[Loc, str]] = []
    timing = suite.timing
    if timing.min_repeats > timing.max_repeats:
        found.append(
            (
                ("timing", "min_repeats"),
                f"min_repeats ({timing.min_repeats}) exceeds max_repeats ({timing.max_repeats})",
            )
        )
    for i, model in enumerate(suite.models):
        for name, values in model.params.items():
            if values == []:
                found.append(
                    (("models", i, "params", name), "an empty list sweeps nothing: give a value")
                )
    cells = [sweep_size(model.params) for model in suite.models]
    total = sum(cells)
    if total > suite.max_cells:
        biggest = cells.index(max(cells))
        remedy = (
            f"if so large a sweep is meant, confirm it with `max_cells: {total}`"
            if total <= MAX_CELLS
            else f"split it into suites of at most {MAX_CELLS:,} cells"
        )
        found.append(
            (
                ("models", biggest, "params") if cells[biggest] > 1 else ("models",),
                f"the suite plans {total:,} cells ({len(cells):,} models, "
                f"{suite.models[biggest].name!r} with the most: {cells[biggest]:,}), more than "
                f"max_cells ({suite.max_cells:,}); {remedy}",
            )
        )
    return [Problem(source.path, source.line_of(where), where, message) for where, message in found]


def _random_init_problems(
    model: ModelSpec, adapter: Any, suite: Suite, source: YamlSource, loc: Loc
) -> list[Problem]:
    """What is wrong with an ``init: random`` model: weights given, no buildable config, or
    quality metrics in its suite (scores of random weights would read as findings)."""
    from benchbench.adapters.architectures import ConfigError, resolve_config

    found: list[tuple[Loc, str]] = []
    if model.weights is not None:
        found.append(((*loc, "weights"), "init: random builds the weights; remove `weights`"))
    if not adapter.can_build():
        found.append(((*loc, "init"), f"adapter {model.adapter!r} cannot build random weights"))
    elif model.config is None:
        found.append(((*loc, "init"), "init: random needs `config` (a preset name or mapping)"))
    else:
        try:
            resolve_config(model.config, model.adapter)
        except ConfigError as exc:
            found.append(((*loc, "config"), str(exc)))
    if suite.metrics:
        found.append(
            (
                ("metrics",),
                f"{model.name!r} has random weights (init: random), so quality metrics would "
                f"score noise; list no metrics in this suite (speed, memory and roofline are "
                f"measured for every cell)",
            )
        )
    return [Problem(source.path, source.line_of(where), where, message) for where, message in found]
