"""Fixtures every test may use; helpers that tests import live in ``tests.support``."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import yaml


@pytest.fixture(autouse=True)
def feature_cache(tmp_path, monkeypatch):
    """Each test gets its own reference-feature cache, never the user's."""
    monkeypatch.setenv("BENCHBENCH_CACHE_DIR", str(tmp_path / "feature-cache"))
    return tmp_path / "feature-cache"


@pytest.fixture
def write_suite(tmp_path):
    """Write a suite dict (or raw YAML text) to a file and return its path."""

    def write(content: dict | str, name: str = "suite.yaml") -> Path:
        path = tmp_path / name
        path.write_text(
            content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
        )
        return path

    return write


@pytest.fixture
def no_network(monkeypatch):
    """Every connection attempt fails: nothing under test may reach for a download."""

    def refuse(*args, **kwargs):
        raise OSError("the network is blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture
def empty_caches(tmp_path, monkeypatch):
    """TORCH_HOME and HF_HOME pointing at empty directories: no weights are found there."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    return tmp_path
