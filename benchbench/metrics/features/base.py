"""Metrics that compare generated samples with a reference set in a feature space."""

from __future__ import annotations

import hashlib
from abc import abstractmethod
from typing import Any, ClassVar

import numpy as np
import torch

from benchbench.metrics import Estimate, Metric, MetricInputs, MetricSetup, MetricSetupError
from benchbench.metrics.stats import RESAMPLING, BootstrapSpec, estimate_with_interval

# The extractor each literature name is defined on: FID, KID and IS on the Inception-v3 FID
# network; FAD on VGGish's pre-activation embedding (Kilgour et al. 2019); FVD on the
# 400 Kinetics logits of I3D (Unterthiner et al. 2018).
LITERATURE_EXTRACTORS = {
    "FID": "inception-v3-compat",
    "KID": "inception-v3-compat",
    "IS": "inception-v3-compat",
    "FAD": "vggish",
    "FVD": "i3d-kinetics400",
}

# Rows per block of a pairwise (distance or kernel) matrix: a 1,024 × 50,000 float64 block
# is 400 MB, so 50k-sample sets are scored in bounded memory.
BLOCK_ROWS = 1024


def row_blocks(n: int, rows: int = BLOCK_ROWS) -> list[slice]:
    """``n`` rows cut into consecutive slices of at most ``rows`` rows."""
    if rows < 1:
        raise ValueError(f"block size must be at least 1 row, got {rows}")
    return [slice(start, min(start + rows, n)) for start in range(0, n, rows)]


def metric_label(prefix: str, literature: tuple[str, ...], extractor: str) -> str:
    """The literature's name on the extractor it is defined on (FD is ``FID`` on Inception-v3,
    ``FAD`` on VGGish), ``FD[digits-cnn]`` on any other: honest names."""
    for name in literature:
        if LITERATURE_EXTRACTORS[name] == extractor:
            return name
    return f"{prefix}[{extractor}]"


def check_extractor(metric: str, required: str | None, extractor: str) -> None:
    """Metrics defined on one extractor family (``fid`` → Inception, ``cmmd`` → CLIP)."""
    if required is not None and not extractor.startswith(required):
        raise MetricSetupError(
            f"metric {metric!r} is defined on {required}* features, but the features are "
            f"{extractor!r}; choose --features/`features:` {required}..., or use the "
            f"extractor-neutral metric (fd, kd) whose label names the extractor"
        )


class FeatureMetric(Metric):
    """Streaming state: the reference ("real") and generated ("fake") feature rows.

    Features are kept (as float32) rather than reduced to running sums, because the
    confidence interval re-weights individual samples. Statistics run in float64.
    Subclasses define ``prepare`` (costly work done once) and ``score`` (a value
    under per-sample weights; all-ones weights give the point estimate). ``resampling``
    names how replicate weights are drawn (see ``benchbench.metrics.stats``).
    """

    label_prefix: ClassVar[str]
    literature_names: ClassVar[tuple[str, ...]] = ()  # see ``LITERATURE_EXTRACTORS``
    required_extractor: ClassVar[str | None] = None
    inputs = ("reference_features", "features")

    def __init__(
        self,
        features: dict[str, Any],
        reference: str,
        bootstrap: BootstrapSpec | None = None,
    ):
        check_extractor(self.name, self.required_extractor, features["name"])
        self.features = features
        self.reference = reference
        self.bootstrap = bootstrap
        self._real: list[torch.Tensor] = []
        self._fake: list[torch.Tensor] = []

    @classmethod
    def create(cls, setup: MetricSetup) -> FeatureMetric:
        return cls(features=setup.features, reference=setup.reference, bootstrap=setup.bootstrap)

    def observe(self, inputs: MetricInputs) -> None:
        self.update(inputs.get("reference_features"), real=True)
        self.update(inputs.get("features"), real=False)

    def update(self, features: torch.Tensor, real: bool) -> None:
        if features.ndim != 2:
            raise ValueError(f"{self.name}: features must be [N, D], got {tuple(features.shape)}")
        (self._real if real else self._fake).append(features.detach().float().cpu())

    def hparams(self) -> dict[str, Any]:
        """Hyperparameters that change the value; they enter the signature."""
        return {}

    def warnings(self, real: np.ndarray, fake: np.ndarray) -> list[str]:
        return []

    def details(self, prepared: Any) -> dict[str, float]:
        """Secondary numbers reported with the value (e.g. a subset std)."""
        return {}

    @abstractmethod
    def prepare(self, real: np.ndarray, fake: np.ndarray) -> Any:
        """Work shared by the estimate and every replicate."""

    def shared_work(self) -> str | None:
        """A name for what ``prepare`` returns when other metrics can reuse it (same name,
        same features ⇒ same result); ``None`` when it is this metric's own."""
        return None

    def _prepare_shared(self, real: np.ndarray, fake: np.ndarray, shared: dict) -> Any:
        name = self.shared_work()
        if name is None:
            return self.prepare(real, fake)
        digest = hashlib.blake2b(real.tobytes(), digest_size=16)
        digest.update(fake.tobytes())
        key = (name, real.shape, fake.shape, digest.hexdigest())
        if key not in shared:
            shared[key] = self.prepare(real, fake)
        return shared[key]

    @abstractmethod
    def score(self, prepared: Any, real_weights: np.ndarray, fake_weights: np.ndarray) -> float:
        """The metric with each sample counted ``weight`` times."""

    def estimate(
        self, prepared: Any, n_real: int, n_fake: int
    ) -> tuple[float, float | None, float | None]:
        """Value and interval: ``score`` unweighted, then once per resample."""
        return estimate_with_interval(
            lambda wr, wf: self.score(prepared, wr, wf),
            (n_real, n_fake),
            self.bootstrap,
            RESAMPLING[self.resampling],
        )

    @property
    def label(self) -> str:
        return metric_label(self.label_prefix, self.literature_names, self.features["name"])

    def calculate(self, shared: dict[Any, Any]) -> Estimate:
        if not self._real or not self._fake:
            raise RuntimeError(f"{self.name}: compute() needs both real and generated features")
        real = torch.cat(self._real).double().numpy()
        fake = torch.cat(self._fake).double().numpy()
        if real.shape[1] != fake.shape[1]:
            raise ValueError(
                f"{self.name}: feature sizes differ ({real.shape[1]} vs {fake.shape[1]})"
            )
        prepared = self._prepare_shared(real, fake, shared)
        value, ci_low, ci_high = self.estimate(prepared, len(real), len(fake))
        return Estimate(
            value,
            ci_low,
            ci_high,
            n=len(fake),
            recipe={
                "features": self.features,
                "reference": self.reference,
                "n_real": len(real),
                "n_fake": len(fake),
                "ci": self.ci_signature(),
                **self.hparams(),
            },
            warnings=tuple(self.warnings(real, fake)),
            details=self.details(prepared),
        )
