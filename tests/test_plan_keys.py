"""A cell's names and its content key: the suite params and the model fingerprint keep one
name each, and the key they hash into stays what stores and baselines already hold."""

from __future__ import annotations

from pathlib import Path

import torch

from benchbench.run.plan import plan_cells
from benchbench.suite.load import load_suite

QUICK = Path(__file__).resolve().parents[1] / "suites" / "quick.yaml"

# Keys of suites/quick.yaml on the CPU, as stored before the names changed. A change in the
# zoo's weights or a metric's version changes them on purpose: update them with it.
KEYS = {
    "dcgan": "a6571ea1ede7178f908e8b6f6926f348",
    "vae": "c1da6de9da59429bdce7420ef83f1c39",
    "ddpm sampler=ddim steps=5": "5dd97217b792c2c5886d1dbccb8a8027",
    "ddpm sampler=ddim steps=10": "d4950a626e3269eadb2df73efa4fbcc9",
    "pixelcnn": "ee0e5e83f22aa1ac58ce23a34f3e9779",
}


def test_cells_name_their_suite_params_and_model_fingerprint_and_keep_their_keys():
    cells = plan_cells(load_suite(QUICK), torch.device("cpu"))
    assert {c.label: c.key for c in cells} == KEYS
    ddpm = cells[2]
    assert ddpm.suite_params == {"sampler": "ddim", "steps": 5}
    assert ddpm.params["steps"] == 5 and set(ddpm.params) > set(ddpm.suite_params)
    assert ddpm.model_fingerprint == ddpm.adapter.model_fingerprint(ddpm.weights)
    assert len(ddpm.model_fingerprint) == 64
