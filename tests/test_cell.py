"""One cell measured: the model is called cold, warmed up, then for the timed batches,
which are the very batches scored; the roofline's extra call comes after them all and
is not kept."""

from __future__ import annotations

import io
from types import SimpleNamespace

import numpy as np
import torch

from benchbench.run.cell import BatchCaller, batch_seed
from benchbench.run.driver import run_suite
from benchbench.store.runs import Store
from benchbench.suite.load import load_suite
from tests.support.fake_models import CountedImages
from tests.support.suites import noise_suite


def test_timed_batches_are_the_scored_ones_and_the_roofline_call_comes_last(write_suite, tmp_path):
    suite = noise_suite(
        roofline="always",
        sampling={"num_samples": 8, "batch_size": 4},
        timing={"warmup": 2, "min_repeats": 3, "min_seconds": 0.0},
        models=[{"name": "counted", "adapter": "tests.support.fake_models:CountedImages"}],
    )
    CountedImages.seeds.clear()
    with Store(tmp_path / "bench.duckdb") as store:
        result = run_suite(load_suite(write_suite(suite)), store)
        artifacts = store.run_artifacts(result.run_id)
        phases = store.query("SELECT phase FROM timing_samples")
        kinds = store.query("SELECT DISTINCT kind FROM measurements")
    assert result.status == "complete"
    index_of = {batch_seed(0, index): index for index in range(-3, 3)}
    # cold, one more warm-up, three steady calls (two are enough samples), then roofline
    assert [index_of[seed] for seed in CountedImages.seeds] == [-1, -2, 0, 1, 2, 0]
    (npz,) = [a.content for a in artifacts if a.name == "samples.npz"]
    images = np.load(io.BytesIO(bytes(npz)))["images"]
    stored_calls = [round(image.mean() / 255 * 10) for image in images]
    assert stored_calls == [3] * 4 + [4] * 4  # the first two timed calls, not the sixth
    assert sorted(phases.phase) == ["first", "load", "steady", "steady", "steady", "warmup"]
    assert set(kinds.kind) == {"speed", "memory", "roofline"}


def test_a_prepared_call_draws_what_an_unprepared_one_draws():
    """``prepare`` only moves the seeding out of the timed call; a call for another index
    than the prepared one seeds itself."""
    drawn = []
    adapter = SimpleNamespace(
        accepts=lambda name: True,
        sample=lambda n, generator, **inputs: drawn.append((generator.initial_seed(), inputs)),
    )
    cell = SimpleNamespace(sampling=SimpleNamespace(batch_size=2), call_params={})
    kind = SimpleNamespace(batch_inputs=lambda index, size: {"labels": [index] * size})
    call = BatchCaller(cell, adapter, kind, seed=7, device=torch.device("cpu"))
    call(3)
    call.prepare(3)
    call(3)
    call.prepare(5)
    call(4)  # not the prepared index: seeds itself
    call(5)  # the preparation was spent (dropped) by the call before
    expected = [(batch_seed(7, i), {"labels": [i, i]}) for i in (3, 3, 4, 5)]
    assert drawn == expected
