"""A fresh machine must be able to run the tests: every third-party module that the
package, its tests or its benchmarks import comes from a distribution that pyproject.toml
declares (a dependency or an extra). A package left behind on a developer's machine
cannot hide an undeclared import from this test, because it asks which installed
distribution provides each import and whether pyproject names that distribution."""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import sys
import tomllib

from tests.support import REPO

SCANNED = ("benchbench", "tests", "benchmarks")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_distributions() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    return {_normalise(re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0]) for r in requirements}


def third_party_imports() -> dict[str, str]:
    """Top-level module → the first ``file:line`` that imports it."""
    own = {"benchbench", "tests", *(p.stem for p in (REPO / "benchmarks").glob("*.py"))}
    found: dict[str, str] = {}
    for folder in SCANNED:
        for path in sorted((REPO / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in own:
                        where = f"{path.relative_to(REPO)}:{node.lineno}"
                        found.setdefault(top, where)
    return found


def test_every_import_comes_from_a_declared_distribution():
    declared = declared_distributions()
    providers = md.packages_distributions()
    undeclared = []
    for module, where in sorted(third_party_imports().items()):
        dists = {_normalise(d) for d in providers.get(module, [])}
        if not dists:
            undeclared.append(f"{where}: '{module}' is not installed by pyproject.toml's extras")
        elif not dists & declared:
            undeclared.append(f"{where}: '{module}' comes from {sorted(dists)}, not declared")
    assert not undeclared, "\n".join(undeclared)
