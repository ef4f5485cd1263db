"""Bring a stack from ``stacks/<name>.yaml`` up in the active ZenML store, idempotently.

ZenML's own ``stack import`` expects an exported stack with IDs; a small,
readable YAML of component names, flavors and configurations is easier to
review and to keep in git. Running this twice changes nothing; running it
after editing the YAML updates the components in place.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import Any

import yaml
from zenml.client import Client
from zenml.enums import StackComponentType
from zenml.exceptions import InitializationException

from hawkeye.paths import project_root, state_dir
from hawkeye.tracking import default_tracking_uri

STACKS_DIR = Path(__file__).resolve().parent


class StackError(RuntimeError):
    pass


def available() -> list[str]:
    return sorted(p.stem for p in STACKS_DIR.glob("*.yaml"))


def stack_with_operator(operator: str) -> str | None:
    """The stack definition whose step operator is named ``operator``."""
    for name in available():
        spec = (load_definition(name).get("components") or {}).get("step_operator") or {}
        if spec.get("name") == operator:
            return name
    return None


def _expand(value: Any) -> Any:
    """Fill ``${HAWKEYE_HOME}``, ``${MLFLOW_TRACKING_URI}`` and any other environment variable."""
    if isinstance(value, dict):
        return {k: _expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v) for v in value]
    if not isinstance(value, str):
        return value
    known = {
        "HAWKEYE_HOME": str(state_dir()),
        "MLFLOW_TRACKING_URI": default_tracking_uri(),
    }

    def sub(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in known:
            return known[key]
        if key not in os.environ:
            raise StackError(
                f"stack configuration uses ${{{key}}} but it is not set in the environment"
            )
        return os.environ[key]

    return re.sub(r"\$\{(\w+)\}", sub, value)


def load_definition(name: str) -> dict[str, Any]:
    path = STACKS_DIR / f"{name}.yaml"
    if not path.is_file():
        raise StackError(f"no stack definition {path}; available: {', '.join(available())}")
    return yaml.safe_load(path.read_text())


def ensure_repository(root: Path) -> Client:
    """``zenml init`` at the project root unless it was done already; the client bound to it."""
    if not (root / ".zen").is_dir():
        with contextlib.suppress(InitializationException):  # another process got there first
            Client.initialize(root=root)
    client = Client()
    client.activate_root(root)
    return client


def _ensure_flavor(client: Client, source: str) -> tuple[str, str]:
    """Register a custom flavor (``module.Class``, relative to the repository root) or refresh it.

    A flavor is stored with its configuration schema; when the class changes, the stored copy
    is updated so that new configuration fields validate.
    """
    from zenml.models import FlavorUpdate
    from zenml.stack.flavor import validate_flavor_source
    from zenml.utils import source_utils

    try:
        component_type = source_utils.load(source)().type
        flavor = validate_flavor_source(source, component_type)()
    except (ImportError, AttributeError, ValueError, TypeError) as exc:
        raise StackError(f"cannot load flavor {source}: {exc}") from exc
    try:
        existing = client.get_flavor_by_name_and_type(flavor.name, flavor.type)
    except KeyError:
        client.create_flavor(source=source, component_type=flavor.type)
        return flavor.name, "created"
    if not existing.is_custom:
        raise StackError(f"{source} is named {flavor.name!r}, which is a built-in flavor")
    if existing.source != source or existing.config_schema != flavor.config_schema:
        update = FlavorUpdate(source=source, config_schema=flavor.config_schema)
        client.zen_store.update_flavor(existing.id, update)
        return flavor.name, "updated"
    return flavor.name, "unchanged"


def _ensure_component(client: Client, ctype: StackComponentType, spec: dict[str, Any]) -> str:
    name, flavor = spec["name"], spec["flavor"]
    config = _expand(spec.get("configuration") or {})
    try:
        existing = client.get_stack_component(ctype, name, allow_name_prefix_match=False)
    except KeyError:
        try:
            client.create_stack_component(
                name=name, flavor=flavor, component_type=ctype, configuration=config
            )
        except (KeyError, ValueError, RuntimeError) as exc:  # e.g. a secret not created yet
            raise StackError(
                f"cannot register {ctype.value} {name!r} ({flavor}): {exc}. If it names a secret "
                "({{name.key}} in the stack yaml), create it first: zenml secret create NAME "
                "--KEY=VALUE; if it names a flavor, install its extra (see README)."
            ) from exc
        return "created"
    if existing.flavor_name != flavor:
        raise StackError(
            f"{ctype.value} {name!r} exists with flavor {existing.flavor_name}, not {flavor}; "
            f"remove it with `zenml {ctype.value.replace('_', '-')} delete {name}`"
        )
    if any(existing.configuration.get(k) != v for k, v in config.items()):
        client.update_stack_component(name, ctype, configuration=config)
        return "updated"
    return "unchanged"


def up(name: str = "local", activate: bool = True) -> dict[str, str]:
    """Register the stack's components and the stack, then activate it. Returns what changed."""
    definition = load_definition(name)
    root = project_root()
    client = ensure_repository(root)
    status: dict[str, str] = {}
    for source in definition.get("flavors") or []:
        flavor, change = _ensure_flavor(client, source)
        status[f"flavor {flavor}"] = change
    components: dict[StackComponentType, str] = {}
    for type_name, spec in definition["components"].items():
        ctype = StackComponentType(type_name)
        status[spec["name"]] = _ensure_component(client, ctype, spec)
        components[ctype] = spec["name"]
    stack_name = definition["name"]
    try:
        stack = client.get_stack(stack_name, allow_name_prefix_match=False)
        current = {t: c[0].name for t, c in stack.components.items()}
        if current != components:
            client.update_stack(
                stack_name, component_updates={t: [n] for t, n in components.items()}
            )
            status[stack_name] = "updated"
        else:
            status[stack_name] = "unchanged"
    except KeyError:
        client.create_stack(name=stack_name, components=components)
        status[stack_name] = "created"
    if activate:
        client.activate_stack(stack_name)
    return status
