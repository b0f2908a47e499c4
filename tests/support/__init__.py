"""What tests share: fake and tiny models, suites, records, the human-study run, the
browser. Test files import from here, never from each other; ``tests/conftest.py`` holds
only fixtures. Ray workers import ``tests.support.fake_models`` too, so this package
imports nothing heavy."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
