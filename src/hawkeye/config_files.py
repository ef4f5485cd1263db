"""Layered run configurations: thin run files over shared fragments, resolved in one place.

A run configuration (``<project configs>/<name>.yaml``) holds ZenML's keys
(``run_name``, ``steps``, ...) and, under ``parameters``, the run's own
settings. ``parameters.extends`` names the layers it builds on: another run
configuration (``demo``) or a fragment (``base/datasets/synthetic_tapping``),
each a path below the project's configuration folder without ``.yaml``. Layers
are merged left to right, the file's own settings last:

- mappings merge key by key, anything else (lists, numbers) is replaced;
- a layer that names another ``model.name`` starts that model's ``params``
  afresh: parameters belong to the model they were written for.

:func:`resolve_parameters` is what the ZenML pipelines call on the parameters
ZenML hands them, and :func:`read_parameters` what ``hawkeye`` commands, the
DVC stages and ``hawkeye evaluate``'s set descriptions call on a file, so every
entry point sees the same resolved values. ``params.yaml`` (for ``dvc repro``)
is written from the ``demo`` configuration by ``hawkeye config resolve``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from hawkeye.errors import HawkeyeError

EXTENDS = "extends"


class LayerError(HawkeyeError, ValueError):
    """A layer that cannot be found or read, or layers that extend each other in a circle."""


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise LayerError(f"{path}: cannot read YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise LayerError(f"{path}: expected a mapping of settings, got {type(raw).__name__}")
    return raw


def parameters_of(raw: dict[str, Any]) -> dict[str, Any]:
    """The run settings of a file: its ``parameters`` block, or the whole file (fragments,
    params.yaml, a bare ``dataset:`` description)."""
    params = raw.get("parameters", raw)
    return dict(params) if isinstance(params, dict) else {}


def merge(base: dict[str, Any], layer: dict[str, Any]) -> dict[str, Any]:
    """``layer`` over ``base`` by the rules in the module docstring (neither is changed)."""
    out = copy.deepcopy(base)
    for key, value in layer.items():
        if key == "model" and isinstance(value, dict) and isinstance(out.get("model"), dict):
            old = out["model"]
            if "name" in value and value["name"] != old.get("name"):
                old = {k: v for k, v in old.items() if k != "params"}
            out["model"] = merge(old, value)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _names(extends: Any, where: str) -> list[str]:
    if extends is None:
        return []
    names = [extends] if isinstance(extends, str) else extends
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise LayerError(f"{where}: '{EXTENDS}' must be a layer name or a list of them")
    return names


def resolve_parameters(
    params: dict[str, Any], folder: Path, where: str = "parameters", _seen: tuple[str, ...] = ()
) -> dict[str, Any]:
    """``params`` with every layer its ``extends`` names merged in, ``extends`` removed."""
    params = {k: v for k, v in params.items() if v is not None or k == EXTENDS}
    resolved: dict[str, Any] = {}
    for name in _names(params.pop(EXTENDS, None), where):
        if name in _seen:
            raise LayerError(
                f"{where}: layers extend each other in a circle: " + " -> ".join((*_seen, name))
            )
        path = folder / f"{name}.yaml"
        if not path.is_file():
            known = sorted(
                p.relative_to(folder).with_suffix("").as_posix() for p in folder.rglob("*.yaml")
            )
            raise LayerError(f"{where}: no layer {name!r} in {folder}; known: {', '.join(known)}")
        layer = parameters_of(_read(path))
        resolved = merge(resolved, resolve_parameters(layer, folder, name, (*_seen, name)))
    return merge(resolved, params)


def read_parameters(path: Path, folder: Path | None = None) -> dict[str, Any]:
    """The resolved run settings of one file; layers are looked up in ``folder`` (default:
    the project's run configuration folder)."""
    from hawkeye.paths import run_configs_dir

    path = Path(path)
    return resolve_parameters(
        parameters_of(_read(path)), folder or run_configs_dir(), where=str(path)
    )


def with_model(path: Path, model: str, out: Path) -> Path:
    """Write to ``out`` a copy of run configuration ``path`` that trains ``model`` instead.

    The copy holds the resolved settings (no ``extends``), the model's ``params`` reset
    unless it is the configured model already, and a run name saying which model it is.
    """
    raw = _read(Path(path))
    params = read_parameters(Path(path))
    current = params.get("model") or {}
    params["model"] = {**current, "name": model} | (
        {} if current.get("name") == model else {"params": {}}
    )
    raw["parameters"] = params
    raw["run_name"] = f"{Path(path).stem}-{model}-{{date}}-{{time}}"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(raw, sort_keys=False))
    return out
