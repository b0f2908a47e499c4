"""Helpers for the real extractors' tests, which load randomly initialised networks saved
to temporary files in the published formats."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from benchbench.hashing import sha256_file


def publish_weights(monkeypatch, extractor: type, path: Path) -> None:
    """Make ``path`` the published file of ``extractor``: its sha256 becomes the expected one."""
    published = dataclasses.replace(extractor.weights_file, sha256=sha256_file(path))
    monkeypatch.setattr(extractor, "weights_file", published)
