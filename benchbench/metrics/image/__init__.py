"""Metrics that compare generated samples with a reference set in a feature space.

The functions below are the plain-array API (numpy ``[N, D]`` features, float64):
the same code the streaming metric classes run.
"""

from benchbench.metrics.image.cmmd import cmmd
from benchbench.metrics.image.fd import frechet_distance
from benchbench.metrics.image.isc import inception_score
from benchbench.metrics.image.kd import kernel_distance
from benchbench.metrics.image.kid import kernel_inception_distance
from benchbench.metrics.image.prdc import density_coverage, precision_recall

__all__ = [
    "cmmd",
    "density_coverage",
    "frechet_distance",
    "inception_score",
    "kernel_distance",
    "kernel_inception_distance",
    "precision_recall",
]
