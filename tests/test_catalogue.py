"""The catalogue lets a suite be checked without importing any metric, so what it
declares must be what the metrics say: each built-in's declared inputs are its class's, and each
extractor's declared kind is its own."""

from __future__ import annotations

import pytest

from benchbench.catalogue import METRICS
from benchbench.extractors import EXTRACTORS


@pytest.mark.parametrize("name", METRICS.names())
def test_declared_metric_inputs_are_the_metrics_own(name):
    assert METRICS.declared(name)["inputs"] == METRICS.get(name).inputs


@pytest.mark.parametrize("name", EXTRACTORS.names())
def test_declared_extractor_kinds_are_the_extractors_own(name):
    assert EXTRACTORS.declared(name)["embeds"] == EXTRACTORS.get(name).embeds
