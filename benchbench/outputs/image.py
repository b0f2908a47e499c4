"""The image side of the runner: image batches in, and the quality metrics of one
cell's samples against a reference set out.

The feature extractor and the reference features are loaded once per evaluator, on
first use, and shared by every cell (a run whose cells are all skipped loads nothing);
reference features also persist across runs in the content-keyed ``FeatureCache``.
Each metric declares its ``inputs``; ``EvaluationInputs`` computes an input the first
time any metric asks for it (one extractor pass gives features and logits), so the
evaluator never branches on metric names.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import torch

from benchbench.catalogue import INPUTS_BY_OUTPUT, METRICS
from benchbench.data import DATASETS, ImageSet
from benchbench.extractors import EXTRACTORS
from benchbench.extractors.base import FeatureExtractor
from benchbench.extractors.cache import FeatureCache
from benchbench.hashing import sha256_bytes
from benchbench.measure.timing import Timer
from benchbench.metrics import (
    INPUT_NAMES,
    Metric,
    MetricResult,
    MetricSetup,
    MetricSetupError,
    compute_all,
)
from benchbench.metrics.stats import BootstrapSpec
from benchbench.outputs.base import Evaluator
from benchbench.outputs.image_batches import check_image_batch, npz_bytes, png_grid
from benchbench.records import Artifact, Measurement
from benchbench.suite.prompts import Prompt, prompts_for
from benchbench.suite.schema import Suite

GRID_SIZE = 64  # samples in a cell's gallery grid


class ImageOutput:
    """Image batches: float tensors in [0, 1], NCHW; a PNG grid and the arrays are stored.

    With prompts, sample i of the cell is asked for prompt i mod the number of prompts:
    models that take ``labels`` get each sample's class, models that take ``prompts`` its
    prompt text (warm-up calls, index < 0, those of the first batch), and metrics get each
    sample's prompt as its ``conditions``.
    """

    def __init__(self, suite: Suite, device: torch.device, prompts: list[Prompt] | None = None):
        self.suite = suite
        self.device = device
        self.prompts = prompts

    def evaluator(self) -> Evaluator:
        return ImageEvaluator(self.suite, self.device, prompts=self.prompts)

    def batch_inputs(self, index: int, batch_size: int) -> dict[str, Any]:
        if self.prompts is None:
            return {}
        batch = prompts_for(self.prompts, max(index, 0) * batch_size, batch_size)
        return {
            "labels": torch.tensor([p.label for p in batch], dtype=torch.long),
            "prompts": [p.text for p in batch],
        }

    def check(self, batch: Any, n: int, who: str) -> torch.Tensor:
        return check_image_batch(batch, n, who).detach().float().cpu()

    def collect(self, kept: list[torch.Tensor], n: int, adapter: Any, who: str) -> torch.Tensor:
        return torch.cat(kept)[:n]

    def artifacts(self, samples: torch.Tensor, seed: int) -> list[Artifact]:
        grid = png_grid(samples[:GRID_SIZE])
        arrays = npz_bytes(samples)
        meta = {"seed": seed, "count": len(samples)}
        return [
            Artifact(
                "samples.png",
                "image/png",
                sha256_bytes(grid),
                grid,
                {**meta, "count": min(GRID_SIZE, len(samples))},
            ),
            Artifact("samples.npz", "application/x-npz", sha256_bytes(arrays), arrays, meta),
        ]

    def speed_measurements(
        self,
        adapter: Any,
        params: dict[str, Any],
        timer: Timer,
        samples_per_s: Measurement,
        samples: torch.Tensor,
    ) -> list[Measurement]:
        return []


class EvaluationInputs:
    """The ``MetricInputs`` of one evaluation: each input computed once, on request.
    A subclass for another output kind sets ``output``: only that kind's inputs
    (``INPUTS_BY_OUTPUT``) are served, any other is a clear setup error."""

    output: ClassVar[str | None] = None

    def __init__(self, evaluator: ImageEvaluator, images: torch.Tensor, adapter: Any = None):
        self.evaluator = evaluator
        self.images = images
        self.adapter = adapter
        self._values: dict[str, Any] = {}

    def get(self, name: str) -> Any:
        if self.output is not None and name not in INPUTS_BY_OUTPUT[self.output]:
            available = ", ".join(INPUTS_BY_OUTPUT[self.output])
            raise MetricSetupError(
                f"input {name!r} is not available to {self.output} metrics ({available}); "
                f"is a metric of another output kind listed in this {self.output} suite?"
            )
        if name not in INPUT_NAMES:
            raise KeyError(f"unknown metric input {name!r}; inputs are {', '.join(INPUT_NAMES)}")
        if name not in self._values:
            self._values[name] = getattr(self, f"_{name}")()
        return self._values[name]

    def _outputs(self) -> dict[str, torch.Tensor]:
        if "outputs" not in self._values:
            self._values["outputs"] = self.evaluator.extractor.extract(self.images)
        return self._values["outputs"]

    def _images(self) -> torch.Tensor:
        return self.images

    def _features(self) -> torch.Tensor:
        return self._outputs()["features"]

    def _logits(self) -> torch.Tensor:
        extractor = self.evaluator.extractor
        if "logits" not in extractor.outputs:
            raise MetricSetupError(
                f"extractor {extractor.name!r} gives no class logits (needed by IS); "
                f"use a classifier such as digits-cnn or inception-v3-compat"
            )
        return self._outputs()["logits"]

    def _reference_images(self) -> torch.Tensor:
        return self.evaluator.reference.images

    def _reference_features(self) -> torch.Tensor:
        return self.evaluator.reference_outputs["features"]

    def _extractor(self) -> FeatureExtractor:
        return self.evaluator.extractor

    def _conditions(self) -> list[Prompt]:
        prompts = self.evaluator.prompts
        if prompts is None:
            raise MetricSetupError("this metric needs prompts: set `prompts:` in the suite")
        return prompts_for(prompts, 0, len(self.images))

    def _model(self) -> Any:
        if self.adapter is None:
            raise MetricSetupError(
                "this metric needs the model itself (its latent space), and none was given: "
                "it runs in `bench run` on a model with encode/decode, not on image files"
            )
        return self.adapter


class ImageEvaluator:
    """Scores image batches with a list of metrics against one reference set."""

    def __init__(
        self,
        suite: Suite,
        device: torch.device,
        *,
        cache: FeatureCache | None = None,
        weights_dir: Path | None = None,
        prompts: list[Prompt] | None = None,
    ):
        spec = suite.reference
        settings = suite.bootstrap
        self._configure(
            metrics=suite.metrics,
            features=suite.features,
            load_reference=lambda: DATASETS.get(spec.dataset)().load(spec.split),
            bootstrap=(
                BootstrapSpec(settings.resamples, settings.confidence, seed=suite.seed)
                if settings.resamples
                else None
            ),
            seed=suite.seed,
            device=device,
            cache=cache,
            weights_dir=weights_dir,
            prompts=prompts,
        )

    @classmethod
    def for_reference(
        cls,
        reference: ImageSet,
        metrics: list[str],
        features: str,
        *,
        bootstrap: BootstrapSpec | None,
        seed: int = 0,
        device: torch.device,
        cache: FeatureCache | None = None,
        weights_dir: Path | None = None,
    ) -> ImageEvaluator:
        """An evaluator for a reference set already in memory (``bench score``)."""
        evaluator = cls.__new__(cls)
        evaluator._configure(
            metrics, features, lambda: reference, bootstrap, seed, device, cache, weights_dir, None
        )
        return evaluator

    def _configure(
        self,
        metrics: list[str],
        features: str,
        load_reference: Callable[[], ImageSet],
        bootstrap: BootstrapSpec | None,
        seed: int,
        device: torch.device,
        cache: FeatureCache | None,
        weights_dir: Path | None,
        prompts: list[Prompt] | None,
    ) -> None:
        self.metric_classes: list[type[Metric]] = [METRICS.get(name) for name in metrics]
        self.features_name = features
        self._load_reference = load_reference
        self.bootstrap = bootstrap
        self.seed = seed
        self.device = device
        self.cache = cache if cache is not None else FeatureCache()
        self.weights_dir = weights_dir
        self.prompts = prompts  # what sample i was asked for: prompts[i % len(prompts)]

    @cached_property
    def extractor(self) -> FeatureExtractor:
        return EXTRACTORS.get(self.features_name)(self.device, weights_dir=self.weights_dir)

    @cached_property
    def reference(self) -> ImageSet:
        return self._load_reference()

    @cached_property
    def reference_outputs(self) -> dict[str, torch.Tensor]:
        reference = self.reference
        return self.cache.extract(reference.content_hash, self.extractor, reference.images)

    @cached_property
    def setup(self) -> MetricSetup:
        return MetricSetup(
            features=self.extractor.identity(),
            reference=self.reference.identity,
            bootstrap=self.bootstrap,
            device=self.device,
            seed=self.seed,
            weights_dir=self.weights_dir,
        )

    def prepare(self) -> None:
        """Load the extractor and the reference features the metrics will ask for."""
        needed = {name for cls in self.metric_classes for name in cls.inputs}
        if "reference_features" in needed:
            _ = self.reference_outputs
        if needed:
            _ = self.setup

    def evaluate(
        self, images: torch.Tensor, adapter: Any = None, model_fingerprint: str = ""
    ) -> list[MetricResult]:
        """Every metric on ``images`` (float in [0, 1], NCHW); ``adapter`` is the model that
        made them, for metrics that need its latent space (``model_fingerprint`` is unused: no image
        metric depends on the model alone)."""
        if not self.metric_classes:
            return []
        inputs = EvaluationInputs(self, images, adapter)
        return compute_all(self.metric_classes, self.setup, inputs)
