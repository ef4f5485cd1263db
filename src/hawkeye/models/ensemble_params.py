"""An ensemble's params: its members, how they are combined, and their check (no torch).

The model registry and the configuration read these; the estimator is
:mod:`hawkeye.models.ensemble`. A member is a registered scorer's name, or a mapping::

    {"name": "lightgbm", "params": {...}, "seeds": [0, 1, 2], "weight": 1.0}

``params`` are the member's own (its registry defaults under them), ``seeds`` one
fitted model each (default: the ensemble's seed), ``weight`` its share in a soft
vote (each of its seeds weighs that much). ``method`` is ``vote`` (mean probabilities
in the classification modes, mean score in regression) or ``stacking`` (a
meta-learner on the members' out-of-fold outputs within the training data:
ridge with non-negative weights for regression, logistic regression for classes;
``meta_alpha`` is its regularisation, ``inner_folds`` the folds, grouped by subject
where the rows carry ``subject_id``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

METHODS = ("vote", "stacking")
MEMBER_KEYS = ("name", "params", "seeds", "weight")
# The ensembles' names; the feature-table one takes feature-table members only, the other
# reads whole rows and gives each member what it reads (feature columns or landmark files).
ENSEMBLES = ("ensemble", "sequence_ensemble")
COMMON: Mapping[str, Any] = {
    "method": "vote",
    "inner_folds": 5,
    "meta_alpha": 1.0,
}
DEFAULTS: Mapping[str, Mapping[str, Any]] = {
    "ensemble": {
        **COMMON,
        "members": [{"name": "random_forest"}, {"name": "xgboost"}, {"name": "lightgbm"}],
    },
    "sequence_ensemble": {**COMMON, "members": [{"name": "tcn", "seeds": [0, 1, 2]}]},
}
_QUICK_TREES = {"n_estimators": 10, "n_jobs": 1}
QUICK: Mapping[str, Mapping[str, Any]] = {
    "ensemble": {
        "method": "stacking",
        "inner_folds": 3,
        "members": [
            {"name": "random_forest", "params": _QUICK_TREES},
            {"name": "lightgbm", "params": _QUICK_TREES, "seeds": [0, 1]},
        ],
    },
}


@dataclass(frozen=True)
class Member:
    """One member configuration, normalised: a fitted model per seed."""

    name: str
    params: Mapping[str, Any]
    seeds: tuple[int, ...]
    weight: float


def members(value: Any, seed: int = 0) -> list[Member]:
    """The ``members`` param as :class:`Member` s (a name alone is ``{"name": name}``)."""
    if isinstance(value, str | Mapping) or not isinstance(value, Sequence) or not value:
        raise ValueError("members must be a non-empty list of model names or mappings")
    out = []
    for item in value:
        entry = {"name": item} if isinstance(item, str) else item
        if not isinstance(entry, Mapping) or "name" not in entry:
            raise ValueError(f"a member is a model name or a mapping with `name`, got {item!r}")
        unknown = sorted(set(entry) - set(MEMBER_KEYS))
        if unknown:
            known = list(MEMBER_KEYS)
            raise ValueError(f"member {entry['name']!r}: unknown key(s) {unknown}; known: {known}")
        params = entry.get("params") or {}
        if not isinstance(params, Mapping):
            raise ValueError(f"member {entry['name']!r}: params must be a mapping")
        seeds = entry.get("seeds", [seed])
        if (
            isinstance(seeds, str | int)
            or not seeds
            or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds)
        ):
            raise ValueError(f"member {entry['name']!r}: seeds must be a non-empty list of ints")
        weight = entry.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not weight > 0:
            raise ValueError(f"member {entry['name']!r}: weight must be a positive number")
        out.append(Member(str(entry["name"]), dict(params), tuple(seeds), float(weight)))
    return out


def check_member(ensemble: str, member: Member) -> None:
    """The member is a registered supervised scorer this ensemble can feed; its params pass
    its own check."""
    from hawkeye.models import registry  # the registry imports this module

    spec = registry.spec(member.name)  # an unknown name lists the known ones
    if member.name in ENSEMBLES:
        raise ValueError(f"{ensemble}: an ensemble cannot be a member ({member.name})")
    if spec.kind != registry.SCORER:
        raise ValueError(
            f"{ensemble}: member {member.name} is a {spec.kind} model; members are supervised "
            "scorers (their outputs are averaged or stacked)"
        )
    if ensemble == "ensemble" and spec.inputs != "features":
        raise ValueError(
            f"ensemble: member {member.name} reads {spec.inputs}; the feature-table ensemble "
            "takes feature-table members (sequence_ensemble mixes both)"
        )
    if spec.inputs not in ("features", "sequences"):
        raise ValueError(f"{ensemble}: member {member.name} reads {spec.inputs}")
    registry.check_params(member.name, dict(member.params))


def resolve(ensemble: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults, then ``params``; unknown keys and bad values fail by name."""
    defaults = DEFAULTS[ensemble]
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown}; known: {sorted(defaults)}")
    p = {**defaults, **params}
    if p["method"] not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {p['method']!r}")
    folds = p["inner_folds"]
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise ValueError(f"inner_folds must be a whole number >= 2, got {folds!r}")
    alpha = p["meta_alpha"]
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not alpha > 0:
        raise ValueError(f"meta_alpha must be a positive number, got {alpha!r}")
    return p


def checker(ensemble: str) -> Any:
    """The registry's ``check_params`` for ``ensemble``."""

    def check(params: dict[str, Any]) -> None:
        p = resolve(ensemble, params)
        for member in members(p["members"]):
            check_member(ensemble, member)

    return check
