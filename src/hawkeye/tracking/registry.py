"""MLflow model registry: register through the quality gate, list, compare, promote, load.

Aliases, not the deprecated stages: ``champion`` is what ``hawkeye predict``
uses by default and moves only through the gate or an explicit, reasoned
promotion; ``challenger`` marks the latest version that did not pass.
"""

from __future__ import annotations

import fcntl
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import mlflow
import numpy as np
import pandas as pd
import skops.io
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature
from mlflow.tracking import MlflowClient

from hawkeye.config import GateConfig
from hawkeye.errors import HawkeyeError
from hawkeye.evaluation.gate import Champion, Decision, decide
from hawkeye.evaluation.registry import names as metric_names
from hawkeye.models.base import is_frame_wise, is_zero_shot
from hawkeye.paths import state_dir
from hawkeye.tracking.runs import TAG_COMMIT, TAG_DATA, TAG_SPLIT

TAG_DATASET = "hawkeye.dataset_config"
TAG_TASK = "hawkeye.task"
SHOWN_METRICS = metric_names(shown=True)  # auroc: one-class models only; NaN for the others


class RegistryError(HawkeyeError, LookupError):
    """A model or version that the registry does not hold; the message lists what it does."""


def _requirements() -> list[str]:
    reqs = []
    packages = ("hawkeye", "scikit-learn", "xgboost", "lightgbm", "mord", "numpy", "pandas")
    for pkg in (*packages, "skops", "crepes"):
        try:
            reqs.append(f"{pkg}=={version(pkg)}")
        except PackageNotFoundError:
            continue
    return reqs


def current_champion(client: MlflowClient, name: str, metric: str) -> Champion | None:
    try:
        mv = client.get_model_version_by_alias(name, "champion")
    except MlflowException:
        return None
    value = mv.tags.get(f"metric.{metric}")
    return Champion(
        str(mv.version),
        float(value) if value is not None else float("nan"),
        mv.tags.get(TAG_SPLIT, ""),
    )


def log_registered_model(
    model: Any, example: pd.DataFrame, name: str, version_tags: dict[str, str]
) -> str:
    """Log ``model`` into the active run, register it as a new version of ``name``, tag it."""
    example = example.head(5)
    # skops (not pickle) is MLflow's safe format: loading runs no arbitrary code, only the
    # types listed here, which are the ones this model was just built from.
    saved: dict[str, Any] = {"serialization_format": "skops", "input_example": example}
    if is_zero_shot(model):
        # A zero-shot video scorer: its "model" is its settings (the weights stay in their local
        # folder), it takes video paths, and scoring the example here would run the VLM (or
        # send frames to an API), so the signature is declared rather than inferred.
        example = example[["source"]]
        output: Any = np.zeros(len(example))
        saved = {"serialization_format": "cloudpickle", "input_example": example}
    elif is_frame_wise(model):
        # One label a frame: predict gives arrays of different lengths, which no MLflow
        # signature holds, so the output is declared (one JSON list of segments a recording,
        # what `hawkeye predict` prints); no input example, which MLflow would run through it.
        output = np.array(["[]"] * len(example))
        saved = {"serialization_format": "skops"}
    else:
        # The pyfunc flavour calls ``predict``: a score, or a one-class model's decision.
        output = model.predict(example)
    if saved["serialization_format"] == "skops":
        saved["skops_trusted_types"] = skops.io.get_untrusted_types(data=skops.io.dumps(model))
    info = mlflow.sklearn.log_model(
        model,
        name="model",
        registered_model_name=name,
        signature=infer_signature(example, output),
        pip_requirements=_requirements(),
        **saved,
    )
    version_ = str(info.registered_model_version)
    client = MlflowClient()
    for key, value in {**version_tags, "model.type": _model_type(model)}.items():
        client.set_model_version_tag(name, version_, key, value)
    return version_


def register_model(
    model: Any,
    example: pd.DataFrame,
    name: str,
    report: dict[str, Any],
    split_hash: str,
    gate: GateConfig,
    tags: dict[str, str],
    external: tuple[bool, str] | None = None,
) -> dict[str, Any]:
    """Log and register the model in the active run, then let the gate choose its alias.

    ``external`` is the outcome of the gate's external-set check, when it names one.
    """
    client = MlflowClient()
    with model_lock(name):  # two runs of one model must not both read "no champion yet"
        champion = current_champion(client, name, gate.metric)
        decision: Decision = decide(report, split_hash, champion, gate, external)
        if is_zero_shot(model):
            tags = {
                **tags,
                "hawkeye.remote_frames": str(bool(getattr(model, "allow_remote_frames", False))),
            }
        pooled = report["pooled"]["model"]
        baselines = {
            f"baseline.{who.removeprefix('baseline_')}.{k}": f"{v:.6g}"
            for who, metrics in report["pooled"].items()
            if who != "model"
            for k, v in metrics.items()
            if k in ("mae", "exact_acc") and math.isfinite(v)
        }
        version_tags = {
            **tags,
            TAG_SPLIT: split_hash,
            "gate.decision": decision.alias,
            "gate.reason": decision.reason,
            "model.type": _model_type(model),
            "evaluation.n_recordings": str(report.get("n_samples", "")),
            "evaluation.n_subjects": str(report.get("n_subjects", "")),
            **{f"metric.{k}": f"{v:.6g}" for k, v in pooled.items()},
            **baselines,
        }
        version_ = log_registered_model(model, example, name, version_tags)
        # Compare-and-set: a champion that appeared while this version was logged (another
        # machine's run) is compared with before the alias moves.
        now = current_champion(client, name, gate.metric)
        if (now.version if now else None) != (champion.version if champion else None):
            champion, decision = now, decide(report, split_hash, now, gate, external)
            client.set_model_version_tag(name, version_, "gate.decision", decision.alias)
            client.set_model_version_tag(name, version_, "gate.reason", decision.reason)
        client.set_registered_model_alias(name, decision.alias, version_)
        mlflow.set_tags(
            {
                "gate.decision": decision.alias,
                "gate.reason": decision.reason,
                "registered_version": version_,
            }
        )
        return {
            "model_name": name,
            "version": version_,
            "alias": decision.alias,
            "reason": decision.reason,
            "previous_champion": champion.version if champion else None,
        }


@contextmanager
def model_lock(name: str) -> Iterator[None]:
    """An exclusive lock per registered model name, between processes on this machine.

    The gate reads the champion, registers, then moves the alias; without the lock two
    first runs in parallel both find no champion and the later silently takes the alias.
    Runs on other machines are caught by register_model's re-check after registering.
    """
    folder = state_dir() / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    with open(folder / f"{safe}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _model_type(model: Any) -> str:
    """What kind of model a version is, in words: ``xgboost (regression)``, ``VLMScorer``."""
    kind = getattr(model, "model", None)
    mode = getattr(model, "mode", None)
    if isinstance(kind, str):
        return f"{kind} ({mode})" if mode else kind
    return type(model).__name__


def _version(client: MlflowClient, name: str, ref: str) -> ModelVersion:
    """A version by number or alias (``3``, ``champion``)."""
    try:
        return (
            client.get_model_version(name, ref)
            if ref.isdigit()
            else client.get_model_version_by_alias(name, ref)
        )
    except MlflowException as exc:
        known = [m.name for m in client.search_registered_models()]
        if name not in known:
            raise RegistryError(
                f"no registered model {name!r}; the registry holds: {known or 'nothing yet'}"
            ) from exc
        versions = sorted(int(v.version) for v in client.search_model_versions(f"name='{name}'"))
        raise RegistryError(
            f"{name} has no version or alias {ref!r}; versions: {versions}"
        ) from exc


def _aliases(client: MlflowClient, name: str) -> dict[str, list[str]]:
    """version -> aliases (search results do not carry aliases on every backend)."""
    out: dict[str, list[str]] = {}
    for alias, ver in client.get_registered_model(name).aliases.items():
        out.setdefault(str(ver), []).append(alias)
    return out


def _row(mv: ModelVersion, aliases: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {
        "version": int(mv.version),
        "aliases": ",".join(sorted((aliases or {}).get(str(mv.version), mv.aliases))),
        **{m: _num(mv.tags.get(f"metric.{m}")) for m in SHOWN_METRICS},
        "split": mv.tags.get(TAG_SPLIT, ""),
        "data": _data_version(mv.tags),
        "commit": mv.tags.get(TAG_COMMIT, "")[:12],
        "created": datetime.fromtimestamp(mv.creation_timestamp / 1000, UTC).strftime(
            "%Y-%m-%d %H:%M"
        ),
        "gate": mv.tags.get("promotion.reason") or mv.tags.get("gate.reason", ""),
        "run_id": mv.run_id,
        "type": mv.tags.get("model.type", ""),
        "external": _external(mv.tags),
        "base": mv.tags.get("lineage.base_version", ""),
    }


def _data_version(tags: dict[str, str]) -> str:
    """``dvc:<md5>`` or ``content:<fingerprint>`` (12 characters): what identifies the data."""
    kind = tags.get("hawkeye.data_version_kind", "dvc")
    return f"{'dvc' if kind.startswith('dvc') else 'content'}:{tags.get(TAG_DATA, '')[:12]}"


def _external(tags: dict[str, str]) -> str:
    """The latest external evaluation, ``set: mae (baseline mae)``; empty when none."""
    name = tags.get("external.latest")
    if not name:
        return ""
    mae, base = (
        _num(tags.get(f"external.{name}.mae")),
        _num(tags.get(f"external.{name}.baseline_mae")),
    )
    return f"{name}: {mae:.3f} (baseline {base:.3f})"


def _num(value: str | None) -> float:
    try:
        return float(value) if value is not None else math.nan
    except ValueError:
        return math.nan


def list_versions(name: str | None = None, tracking_uri: str | None = None) -> pd.DataFrame:
    """Every version of one model (or of all models), newest first."""
    client = MlflowClient(tracking_uri)
    names = [name] if name else [m.name for m in client.search_registered_models()]
    rows = []
    for n in names:
        versions = client.search_model_versions(f"name='{n}'")
        if name and not versions:
            _version(client, n, "1")  # raises RegistryError naming what the registry holds
        aliases = _aliases(client, n)
        rows += [{"model": n, **_row(mv, aliases)} for mv in versions]
    frame = pd.DataFrame(rows)
    if not len(frame):
        return frame
    unmeasured = [m for m in SHOWN_METRICS if frame[m].isna().all()]  # e.g. auroc, supervised
    return frame.drop(columns=unmeasured).sort_values(["model", "version"], ascending=[True, False])


@dataclass(frozen=True)
class Comparison:
    table: pd.DataFrame  # metric x version
    same_split: bool
    note: str


def compare(name: str, a: str, b: str, tracking_uri: str | None = None) -> Comparison:
    """Two versions' metrics side by side, and whether they were scored on the same split."""
    client = MlflowClient(tracking_uri)
    va, vb = _version(client, name, a), _version(client, name, b)
    ra, rb = _row(va), _row(vb)
    table = pd.DataFrame(
        {
            f"v{va.version}": [ra[m] for m in SHOWN_METRICS],
            f"v{vb.version}": [rb[m] for m in SHOWN_METRICS],
        },
        index=list(SHOWN_METRICS),
    )
    table = table.dropna(how="all")  # a metric neither version reports (auroc, supervised)
    table["difference"] = table.iloc[:, 1] - table.iloc[:, 0]
    same = bool(ra["split"]) and ra["split"] == rb["split"]
    note = (
        f"same split ({ra['split']}): directly comparable"
        if same
        else f"different splits ({ra['split'] or '?'} vs {rb['split'] or '?'}): not comparable"
    )
    return Comparison(table, same, note)


def promote(
    name: str, ref: str, reason: str, tracking_uri: str | None = None, user: str = ""
) -> dict[str, str]:
    """Give ``ref`` the champion alias by hand; the reason, who and when are kept on the version."""
    if not reason.strip():
        raise ValueError("a promotion needs a reason (it is kept on the model version)")
    client = MlflowClient(tracking_uri)
    mv = _version(client, name, ref)
    previous = current_champion(client, name, "mae")
    when = datetime.now(UTC).isoformat(timespec="seconds")
    for key, value in {
        "promotion.reason": reason,
        "promotion.time": when,
        "promotion.by": user or "unknown",
        "promotion.previous_champion": previous.version if previous else "none",
        # The gate's tags follow the aliases: the gate's own word stays as gate.original_*.
        "gate.original_decision": mv.tags.get("gate.decision", ""),
        "gate.original_reason": mv.tags.get("gate.reason", ""),
        "gate.decision": "champion",
        "gate.reason": f"promoted by hand ({user or 'unknown'}): {reason}",
    }.items():
        client.set_model_version_tag(name, mv.version, key, value)
    if str(client.get_registered_model(name).aliases.get("challenger", "")) == str(mv.version):
        client.delete_registered_model_alias(name, "challenger")
    client.set_registered_model_alias(name, "champion", mv.version)
    return {
        "model_name": name,
        "version": str(mv.version),
        "previous_champion": previous.version if previous else "none",
        "reason": reason,
    }


def _parse_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("models:/"):
        raise RegistryError(f"expected models:/NAME@alias or models:/NAME/VERSION, got {uri!r}")
    ref = uri.removeprefix("models:/")
    name, _, rest = ref.partition("@") if "@" in ref else ref.rpartition("/")
    if not name:
        raise RegistryError(f"cannot read a model name from {uri!r}")
    return name, rest or "champion"


def resolve_version(uri: str, tracking_uri: str | None = None) -> str:
    """``models:/NAME@alias`` -> ``models:/NAME/<version>`` as the alias points now."""
    name, ref = _parse_uri(uri)
    return f"models:/{name}/{_version(MlflowClient(tracking_uri), name, ref).version}"


@dataclass(frozen=True)
class LoadedModel:
    model: Any
    name: str
    version: str
    uri: str
    dataset_config: dict[str, Any]
    tags: dict[str, str]


def load(uri: str, tracking_uri: str | None = None) -> LoadedModel:
    """A registered model (``models:/NAME@alias`` or ``models:/NAME/3``) and how it was trained."""
    name, ref = _parse_uri(uri)
    client = MlflowClient(tracking_uri)
    mv = _version(client, name, ref)
    if tracking_uri:
        mlflow.set_tracking_uri(tracking_uri)
    model = mlflow.sklearn.load_model(f"models:/{name}/{mv.version}")
    config = json.loads(mv.tags.get(TAG_DATASET, "{}"))
    return LoadedModel(model, name, str(mv.version), uri, config, dict(mv.tags))


def model_summary(loaded: LoadedModel) -> dict[str, Any]:
    """What a score's reader must know about the model that gave it.

    Name, version, task, what data it was trained on (a synthetic dataset says so), its
    out-of-fold figures beside the baselines, and the version's registry decision.
    """
    tags, config = loaded.tags, loaded.dataset_config
    training = getattr(loaded.model, "training_", None) or {}
    name = str(config.get("name", "unknown"))
    synthetic = bool(config.get("synthetic")) or "synthetic" in name
    figures = {
        k.removeprefix("metric."): _num(v) for k, v in tags.items() if k.startswith("metric.")
    }
    baselines = {
        k.removeprefix("baseline."): _num(v) for k, v in tags.items() if k.startswith("baseline.")
    }
    return {
        "uri": loaded.uri,
        "name": loaded.name,
        "version": loaded.version,
        "type": tags.get("model.type", _model_type(loaded.model)),
        "task": config.get("task", tags.get(TAG_TASK, "unknown")),
        "trained_on": {
            "dataset": name,
            "kind": config.get("kind", "unknown"),
            "synthetic": synthetic,
            "recordings": training.get("n_recordings", tags.get("evaluation.n_recordings")),
            "subjects": training.get("n_subjects", tags.get("evaluation.n_subjects")),
            "label_counts": training.get("label_counts", {}),
            **(
                {"warning": "trained on generated (synthetic) data: not a clinical score"}
                if synthetic
                else {}
            ),
        },
        "out_of_fold": {
            k: figures[k] for k in ("mae", "exact_acc", "within1_acc", "pearson") if k in figures
        },
        "baselines": baselines,
        "aliases_decision": tags.get("promotion.reason") or tags.get("gate.reason", ""),
    }
