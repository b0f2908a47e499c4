"""The checks pydantic cannot make: names against the registries, the reference data
against the metrics, weights on disk, every sweep combination against its adapter's
``Params``, and numbers that are each in bounds but do not fit together.

Each check is a function that returns its problems; ``suite_problems`` runs them all.
Nothing here imports a metric, the runner or the store: metrics are known by their
``catalogue`` entries.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from benchbench.adapters import resolve_adapter
from benchbench.adapters.base import ParamError
from benchbench.adapters.weights import WeightsError, resolve_weights
from benchbench.catalogue import (
    COLLAPSE_METRICS,
    INPUTS_BY_OUTPUT,
    METRICS,
    stability_metric_names,
    training_metric_names,
)
from benchbench.data import DATASETS, Dataset
from benchbench.extractors import EXTRACTORS
from benchbench.measure.memory import MEMORY_METRICS
from benchbench.measure.timing import SPEED_METRICS
from benchbench.registry import Registry, RegistryError, UnknownNameError, did_you_mean
from benchbench.suite.problems import Problem, problem_from_pydantic
from benchbench.suite.prompts import PromptFileError, load_prompts
from benchbench.suite.schema import (
    MAX_CELLS,
    MAX_CHECKPOINTS,
    Loc,
    ModelSpec,
    Suite,
    TrainingRecipe,
    sweep,
)
from benchbench.suite.yamlsource import YamlSource
from benchbench.trainers import resolve_trainer

# What a metric consumes that the suite's extractor makes; of those, what only some
# extractors make.
EXTRACTOR_INPUTS = {"features", "logits", "reference_features", "extractor"}
EXTRACTOR_MADE = {"logits", "frame_features"}


class Checks:
    """The problems found in one suite file; each ``check_*`` method adds its own."""

    def __init__(self, suite: Suite, source: YamlSource):
        self.suite = suite
        self.source = source
        self.problems: list[Problem] = []

    def add(self, loc: Loc, message: str) -> None:
        self.problems.append(Problem(self.source.path, self.source.line_of(loc), loc, message))

    def lookup(self, registry: Registry[Any], name: str, loc: Loc) -> Any:
        """``registry.get(name)``, or None with the problem added."""
        try:
            return registry.get(name)
        except UnknownNameError as exc:
            self.add(loc, str(exc))
        except RegistryError as exc:
            self.add(loc, f"cannot load {name!r}: {exc}")
        return None

    def check_reference(self) -> type[Dataset] | None:
        """The reference dataset and split; the dataset, when it exists."""
        reference = self.suite.reference
        dataset = self.lookup(DATASETS, reference.dataset, ("reference", "dataset"))
        if dataset is not None and reference.split not in dataset.splits:
            self.add(
                ("reference", "split"),
                f"dataset {dataset.name!r} has no split {reference.split!r}; "
                f"choose one of {', '.join(dataset.splits)}",
            )
        return dataset

    def check_extractor(self, dataset: type[Dataset] | None) -> None:
        """The extractor is known and embeds what the reference data holds: an image network
        in an audio suite would otherwise fail in every cell, after the sampling."""
        name, loc = self.suite.features, ("features",)
        try:
            embeds = EXTRACTORS.attribute(name, "embeds")
        except UnknownNameError as exc:
            self.add(loc, str(exc))
            return
        except RegistryError as exc:
            self.add(loc, f"cannot load {name!r}: {exc}")
            return
        needed = dataset.output if dataset is not None else None
        if needed is None or embeds == needed or not self._metrics_embed():
            return
        fitting = [n for n in EXTRACTORS.names() if EXTRACTORS.declared(n).get("embeds") == needed]
        self.add(
            loc,
            f"extractor {name!r} embeds {embeds}, but the reference dataset {dataset.name!r} "
            f"holds {needed}; choose one that embeds {needed}: {', '.join(fitting)}",
        )

    def _metrics_embed(self) -> bool:
        """Whether a metric of the suite consumes what the extractor makes (a suite of
        speed only, or of LPIPS alone, never runs it)."""
        for metric in self.suite.metrics:
            try:
                if EXTRACTOR_INPUTS & set(METRICS.attribute(metric, "inputs")):
                    return True
            except RegistryError:  # an unknown metric is check_metrics' problem
                continue
        return False

    def check_prompts(self, dataset: type[Dataset] | None) -> bool:
        """The prompt file, if any; whether samples have valid prompts (conditions)."""
        if self.suite.prompts is None:
            return False
        if dataset is not None and "conditions" not in INPUTS_BY_OUTPUT.get(dataset.output, ()):
            conditioned = [
                kind for kind, inputs in INPUTS_BY_OUTPUT.items() if "conditions" in inputs
            ]
            self.add(
                ("prompts",),
                f"prompts condition {' and '.join(conditioned)} suites; {dataset.name!r} holds "
                f"{dataset.output}",
            )
            return False
        try:
            load_prompts(self.source.path.parent / self.suite.prompts)
        except PromptFileError as exc:
            self.add(("prompts",), str(exc))
            return False
        return True

    def check_metrics(self, dataset: type[Dataset] | None, conditioned: bool) -> None:
        """Every metric is known, listed once, and fed by what the suite provides — read
        from the catalogue, so no metric's code is imported."""
        provided = set(INPUTS_BY_OUTPUT.get(dataset.output, ())) if dataset else set()
        if not conditioned:
            provided.discard("conditions")
        for i, metric in enumerate(self.suite.metrics):
            loc: Loc = ("metrics", i)
            if self.suite.metrics.index(metric) != i:
                self.add(loc, f"metric {metric!r} is listed twice")
            try:
                inputs = METRICS.attribute(metric, "inputs")
            except UnknownNameError as exc:
                self.add(loc, str(exc))
                continue
            except RegistryError as exc:
                self.add(loc, f"cannot load {metric!r}: {exc}")
                continue
            self.check_extractor_makes(metric, inputs, loc)
            missing = set(inputs) - provided
            if dataset is None or not missing:
                continue
            if missing == {"conditions"}:
                self.add(loc, f"metric {metric!r} needs prompts: set `prompts:` to a file")
            else:
                self.add(
                    loc,
                    f"metric {metric!r} needs {', '.join(sorted(missing))}, which a suite on "
                    f"{dataset.output} ({dataset.name!r}) does not provide",
                )

    def check_extractor_makes(self, metric: str, inputs: tuple[str, ...], loc: Loc) -> None:
        """The extractor makes what the metric takes from it (IS needs class logits,
        FD-frames per-frame features): otherwise every cell fails after its sampling."""
        wanted = {name.removeprefix("reference_") for name in inputs} & EXTRACTOR_MADE
        if not wanted:
            return
        try:
            extractor = EXTRACTORS.get(self.suite.features)
        except RegistryError:  # check_extractor says why
            return
        makes = extractor.provides()
        if lacking := wanted - makes:
            self.add(
                loc,
                f"metric {metric!r} needs the extractor's {', '.join(sorted(lacking))}, which "
                f"{self.suite.features!r} does not make (it makes {', '.join(sorted(makes))}); "
                f"choose another extractor or drop the metric",
            )

    def check_gate_names(self) -> None:
        """Tolerances and ignores name metrics the suite measures."""
        known = [*self.suite.metrics, *SPEED_METRICS, *MEMORY_METRICS]
        if self.suite.training is not None:
            quality = self.suite.training.quality
            known += [*training_metric_names(quality), *stability_metric_names(quality)]
        named = [(("gate", "tolerances", m), m) for m in self.suite.gate.tolerances]
        named += [(("gate", "ignore", i), m) for i, m in enumerate(self.suite.gate.ignore)]
        for loc, metric in named:
            if metric not in known:
                hint = did_you_mean(metric, known)
                self.add(
                    loc,
                    f"no metric {metric!r} in this suite"
                    + (f"; did you mean {hint!r}?" if hint else "")
                    + f" (gateable: {', '.join(known)})",
                )

    def check_models(self, dataset: type[Dataset] | None) -> None:
        """Unique names, a known adapter making the dataset's output, then (unless the
        suite is refused for its size anyway) weights or random init, and params."""
        too_many = sum(m.cell_count() for m in self.suite.models) > self.suite.max_cells
        seen: dict[str, int] = {}
        for i, model in enumerate(self.suite.models):
            loc: Loc = ("models", i)
            if model.name in seen:
                self.add(
                    (*loc, "name"),
                    f"model name {model.name!r} is already used by models[{seen[model.name]}]",
                )
            seen.setdefault(model.name, i)
            adapter = self.check_adapter(model, loc, dataset)
            if adapter is None or too_many:  # too many: checking each could take hours
                continue
            weights = self.check_weights(model, adapter, loc)
            problems = _params_problems(model, adapter, self.source, loc)
            self.problems.extend(problems)
            if weights is not None and not problems:
                self.check_params_fit_weights(model, adapter, weights, loc)

    def check_adapter(self, model: ModelSpec, loc: Loc, dataset: type[Dataset] | None) -> Any:
        try:
            adapter = resolve_adapter(model.adapter)
        except (RegistryError, TypeError) as exc:
            self.add((*loc, "adapter"), str(exc))
            return None
        if dataset is not None and adapter.output != dataset.output:
            self.add(
                (*loc, "adapter"),
                f"adapter {model.adapter!r} makes {adapter.output}, but the reference dataset "
                f"{dataset.name!r} holds {dataset.output}",
            )
        return adapter

    def check_weights(self, model: ModelSpec, adapter: Any, loc: Loc) -> Path | None:
        """Random init with a buildable config, or weights the adapter can read (their path,
        when they are)."""
        if model.init == "random":
            self.problems.extend(
                _random_init_problems(model, adapter, self.suite, self.source, loc)
            )
        elif model.config is not None:
            self.add((*loc, "config"), "config describes a random-weight model: set `init: random`")
        elif model.weights is None:
            if adapter.requires_weights:
                self.add(loc, f"adapter {model.adapter!r} needs 'weights' (zoo:NAME or a path)")
        else:
            try:
                weights = resolve_weights(model.weights, self.source.path.parent)
                adapter.check_weights(weights)
                return weights
            except (WeightsError, ValueError, OSError) as exc:
                self.add((*loc, "weights"), str(exc))
        return None

    def check_params_fit_weights(
        self, model: ModelSpec, adapter: Any, weights: Path, loc: Loc
    ) -> None:
        """Every sweep combination against what the weights allow (more denoising steps than
        the model was trained with fail every such cell at run time); each problem once."""
        seen: set[str] = set()
        for combo in sweep(model.params):
            try:
                adapter.check_params(weights, combo)
            except (ValueError, OSError) as exc:
                if str(exc) not in seen:
                    seen.add(str(exc))
                    param = (exc.param,) if isinstance(exc, ParamError) else ()
                    self.add((*loc, "params", *param), str(exc))

    def check_kind(self) -> None:
        """A suite has either ``models`` (sampling) or ``training`` (a training suite)."""
        if self.suite.training is not None and self.suite.models:
            self.add(
                ("training",),
                "a suite has either `models` (a sampling suite) or `training` (a training "
                "suite), not both: move the training recipes to a suite of their own",
            )
        elif self.suite.training is None and not self.suite.models:
            self.add((), "a suite needs `models` (a sampling suite) or `training` (recipes)")

    def check_training(self, dataset: type[Dataset] | None) -> None:
        """The quality and collapse metrics are among the suite's metrics; each recipe has a
        unique name, fitting intervals and a known trainer that makes the reference's kind
        of data and whose ``Hyper`` takes every combination of its hyper-parameters."""
        training = self.suite.training
        if training is None:
            return
        metrics = self.suite.metrics
        named = [(("training", "quality"), training.quality)]
        named += [(("training", "collapse", m), m) for m in training.collapse]
        for loc, metric in named:
            if metric not in metrics:
                hint = did_you_mean(metric, metrics)
                self.add(
                    loc,
                    f"metric {metric!r} is not among the suite's metrics"
                    + (f"; did you mean {hint!r}?" if hint else "")
                    + f" (its metrics: {', '.join(metrics) or 'none'})",
                )
        for metric in training.collapse:
            if metric in metrics and metric not in COLLAPSE_METRICS:
                self.add(
                    ("training", "collapse", metric),
                    f"{metric!r} does not fall as samples lose diversity, so no threshold on "
                    f"it means collapse; collapse takes {', '.join(COLLAPSE_METRICS)} (higher "
                    "is more diverse: a seed is collapsed when one ends under its threshold)",
                )
        seen: dict[str, int] = {}
        for i, recipe in enumerate(training.recipes):
            loc: Loc = ("training", "recipes", i)
            if recipe.name in seen:
                self.add(
                    (*loc, "name"),
                    f"recipe name {recipe.name!r} is already used by recipes[{seen[recipe.name]}]",
                )
            seen.setdefault(recipe.name, i)
            self.check_intervals(recipe, loc)
            self.check_recipe_hyper(recipe, loc, dataset)

    def check_intervals(self, recipe: TrainingRecipe, loc: Loc) -> None:
        """Checkpoints within the budget, blocks within a checkpoint interval."""
        if recipe.checkpoint_every > recipe.steps:
            self.add(
                (*loc, "checkpoint_every"),
                f"checkpoint_every ({recipe.checkpoint_every}) exceeds steps ({recipe.steps})",
            )
        elif recipe.steps / recipe.checkpoint_every > MAX_CHECKPOINTS:
            self.add(
                (*loc, "checkpoint_every"),
                f"{recipe.steps} steps with a checkpoint every {recipe.checkpoint_every} make "
                f"more than {MAX_CHECKPOINTS:,} evaluations; checkpoint less often",
            )
        if recipe.log_every is not None and recipe.log_every > recipe.checkpoint_every:
            self.add(
                (*loc, "log_every"),
                f"log_every ({recipe.log_every}) exceeds checkpoint_every "
                f"({recipe.checkpoint_every})",
            )

    def check_recipe_hyper(
        self, recipe: TrainingRecipe, loc: Loc, dataset: type[Dataset] | None
    ) -> None:
        """The trainer is known and makes the reference's kind of data; every hyper
        combination validates against its ``Hyper``."""
        try:
            trainer = resolve_trainer(recipe.trainer)
        except (RegistryError, TypeError) as exc:
            self.add((*loc, "trainer"), str(exc))
            return
        if dataset is not None and trainer.output != dataset.output:
            self.add(
                (*loc, "trainer"),
                f"trainer {recipe.trainer!r} makes {trainer.output}, but the reference dataset "
                f"{dataset.name!r} holds {dataset.output}",
            )
        for name, values in recipe.hyper.items():
            if values == []:
                self.add((*loc, "hyper", name), "an empty list sweeps nothing: give a value")
                return
        for combo in sweep(recipe.hyper):
            try:
                trainer.Hyper.model_validate(combo)
            except ValidationError as exc:
                for error in exc.errors(include_url=False):
                    problem = problem_from_pydantic(
                        error, self.source, trainer.Hyper, (*loc, "hyper")
                    )
                    if problem not in self.problems:
                        self.problems.append(problem)


def suite_problems(suite: Suite, source: YamlSource) -> list[Problem]:
    """Everything the schema could not check, in file order where it can be."""
    checks = Checks(suite, source)
    dataset = checks.check_reference()
    conditioned = checks.check_prompts(dataset)
    checks.check_extractor(dataset)
    checks.check_metrics(dataset, conditioned)
    checks.check_gate_names()
    checks.check_kind()
    checks.problems.extend(_size_problems(suite, source))
    checks.check_models(dataset)
    checks.check_training(dataset)
    return checks.problems


def _params_problems(model: ModelSpec, adapter: Any, source: YamlSource, loc: Loc) -> list[Problem]:
    """Every sweep combination of ``model``'s params checked against its adapter's ``Params``
    (each problem once, though several combinations share it)."""
    found: list[Problem] = []
    for combo in sweep(model.params):
        try:
            adapter.Params.model_validate(combo)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                problem = problem_from_pydantic(error, source, adapter.Params, (*loc, "params"))
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
    if suite.training is not None and (planned := suite.training.cell_count(suite.seed)) > (
        suite.max_cells
    ):
        found.append(
            (
                ("training", "recipes"),
                f"the suite plans {planned:,} training cells, more than max_cells "
                f"({suite.max_cells:,}); if so many are meant, confirm it with "
                f"`max_cells: {planned}`",
            )
        )
    cells = [model.cell_count() for model in suite.models]
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
