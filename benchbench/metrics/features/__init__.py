"""Metrics on any feature space: images, audio and video embeddings alike.

Fréchet distance, kernel distance (and KID), precision/recall/density/coverage, the
Inception Score on a classifier's logits, and the conditional metrics. They never look
at pixels or waveforms, only at features and logits, so one implementation serves every
output kind. The functions below are the plain-array API (numpy ``[N, D]`` features,
float64): the same code the streaming metric classes run.
"""

from benchbench.metrics.features.fd import frechet_distance
from benchbench.metrics.features.isc import inception_score
from benchbench.metrics.features.kd import kernel_distance
from benchbench.metrics.features.kid import kernel_inception_distance
from benchbench.metrics.features.prdc import density_coverage, precision_recall

__all__ = [
    "density_coverage",
    "frechet_distance",
    "inception_score",
    "kernel_distance",
    "kernel_inception_distance",
    "precision_recall",
]
