"""The package's shape is checked, not just described (docs/architecture.md): the stages
import only downhill (import-linter's contracts in pyproject.toml), no two modules import
each other even lazily, and validating a suite loads no runner, store or metric."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import grimp
import pytest

from tests.support import REPO


def test_import_contracts_hold():
    lint_imports = shutil.which("lint-imports")
    assert lint_imports is not None, "import-linter is a dev dependency: pip install -e '.[dev]'"
    result = subprocess.run([lint_imports], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Groups of modules that reach each other through imports (Tarjan's strongly
    connected components of more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return cycles


def test_no_module_imports_itself_back_even_lazily():
    # grimp reads every import statement, those inside functions included.
    graph = grimp.build_graph("benchbench", exclude_type_checking_imports=True)
    assert import_cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for module in ("a", "b", "c"):
        graph.add_module(module)
    graph.add_import(importer="a", imported="b")
    graph.add_import(importer="b", imported="c")
    assert import_cycles(graph) == []
    graph.add_import(importer="c", imported="a")
    assert import_cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize("suite", ["quick.yaml", "text.yaml", "text2image.yaml"])
def test_validating_a_suite_imports_no_runner_store_outputs_or_metric(suite):
    code = (
        "import json, sys\n"
        "from benchbench.suite.load import load_suite\n"
        f"load_suite({str(REPO / 'suites' / suite)!r})\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    stages = ("benchbench.run", "benchbench.store", "benchbench.outputs", "benchbench.metrics")
    assert [m for m in loaded if m.startswith(stages)] == []
    assert "benchbench.suite.checks" in loaded  # the checks did run
