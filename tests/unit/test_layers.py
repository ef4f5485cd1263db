"""Who may import whom (docs/ARCHITECTURE.md, "Layers"), checked on the source itself.

Every ``import`` / ``from ... import`` in a module, at any depth (a lazy import inside a
function counts the same), is read with ``ast``; the rules below are the table of the
architecture page, written out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "hawkeye"
ORCHESTRATION = ("zenml", "pipelines", "steps", "stacks")
# Adapter packages inside src/hawkeye: tracking (MLflow), serve (web app). Neither imports ZenML.
ADAPTERS = ("tracking", "serve")
CLI = ROOT / "src" / "hawkeye_cli"  # outside the domain package: it may import anything


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _domain() -> list[Path]:
    return [p for p in _modules(SRC) if p.relative_to(SRC).parts[0] not in ADAPTERS]


def _top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("path", _domain(), ids=lambda p: str(p.relative_to(SRC)))
def test_the_domain_imports_no_orchestrator_tracker_or_adapter(path: Path) -> None:
    bad = {
        n
        for n in _imports(path)
        if _top(n) in (*ORCHESTRATION, "mlflow")
        or any(n == f"hawkeye.{a}" or n.startswith(f"hawkeye.{a}.") for a in ADAPTERS)
    }
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_config_imports_only_the_layers_below_it() -> None:
    """config.py is read by every layer; what it imports must not reach back up to them."""
    allowed = {"hawkeye.errors", "hawkeye.paths", "hawkeye.config_files",
               "hawkeye.data.readers", "hawkeye.data.readers.registry",
               "hawkeye.models", "hawkeye.models.registry"}  # fmt: skip
    ours = {n for n in _imports(SRC / "config.py") if _top(n) == "hawkeye"}
    assert ours <= allowed, sorted(ours - allowed)


def test_tracking_and_serve_import_no_zenml() -> None:
    for package in ("tracking", "serve"):
        for path in _modules(SRC / package):
            bad = {n for n in _imports(path) if _top(n) in ORCHESTRATION}
            assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_steps_never_import_pipelines_and_nothing_imports_the_cli() -> None:
    for path in _modules(ROOT / "steps"):
        assert not {n for n in _imports(path) if _top(n) == "pipelines"}, path
    for folder in (SRC, ROOT / "steps", ROOT / "pipelines", ROOT / "stacks"):
        for path in _modules(folder):
            bad = {n for n in _imports(path) if _top(n) == "hawkeye_cli"}
            assert not bad, f"{path.relative_to(ROOT)} imports the CLI"


def test_no_module_edits_sys_path() -> None:
    """pipelines, steps and stacks are installed packages: nothing puts a folder on sys.path."""
    for folder in (SRC, CLI, ROOT / "steps", ROOT / "pipelines", ROOT / "stacks"):
        for path in _modules(folder):
            assert "sys.path.insert" not in path.read_text(), path
