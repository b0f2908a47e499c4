"""Quality evaluation of one cell's samples against the suite's reference set.

The feature extractor and the reference features are loaded once per run, on first
use, and shared by every cell (a run whose cells are all skipped loads nothing).
"""

from __future__ import annotations

from functools import cached_property

import torch

from benchbench.data import DATASETS, ImageSet
from benchbench.metrics import METRICS, MetricResult
from benchbench.metrics.image.base import FeatureMetric
from benchbench.metrics.image.features import EXTRACTORS, FeatureExtractor
from benchbench.metrics.stats import BootstrapSpec
from benchbench.suite import Suite


class QualityEvaluator:
    def __init__(self, suite: Suite, device: torch.device):
        self.suite = suite
        self.device = device
        self.metric_classes = [METRICS.get(name) for name in suite.metrics]
        for cls in self.metric_classes:
            if not issubclass(cls, FeatureMetric):
                raise NotImplementedError(f"metric {cls.name!r} is not a feature metric")

    @cached_property
    def extractor(self) -> FeatureExtractor:
        return EXTRACTORS.get(self.suite.features)(self.device)

    @cached_property
    def reference(self) -> ImageSet:
        spec = self.suite.reference
        return DATASETS.get(spec.dataset)().load(spec.split)

    @cached_property
    def reference_features(self) -> torch.Tensor:
        return self.extractor(self.reference.images)

    def bootstrap(self) -> BootstrapSpec | None:
        settings = self.suite.bootstrap
        if settings.resamples == 0:
            return None
        return BootstrapSpec(settings.resamples, settings.confidence, seed=self.suite.seed)

    def evaluate(self, images: torch.Tensor) -> list[MetricResult]:
        """Every suite metric on ``images`` (float in [0, 1], NCHW)."""
        if not self.metric_classes:
            return []
        fake_features = self.extractor(images)
        results = []
        for cls in self.metric_classes:
            metric = cls(
                features=self.extractor.identity(),
                reference=self.reference.identity,
                bootstrap=self.bootstrap(),
            )
            metric.update(self.reference_features, real=True)
            metric.update(fake_features, real=False)
            results.append(metric.compute())
        return results
