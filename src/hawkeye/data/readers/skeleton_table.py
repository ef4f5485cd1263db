"""``dataset.format: skeleton_table``: your own per-frame joint table (CSV or parquet), no code.

``dataset.path`` is an annotation CSV as for the ``hawkeye`` format (``sample_id``,
``subject_id``, ``label``, ``source``; ``task``, ``side``, ``fps`` optional;
``dataset.columns`` renames the sheet's own column names), whose ``source`` names, relative
to the sheet, a table of joint positions:

- **one file a recording**, or **one table holding many recordings**: then
  ``dataset.skeleton.recording`` names the table's column whose value is the row's
  ``sample_id`` (every row names the same table);
- **wide** (``skeleton.shape: wide``, the default): a row a frame, a ``frame`` column and
  one column a joint and axis, ``<joint>_<axis>`` (``head_x``, ``head_y``, ``head_z``);
- **long** (``shape: long``): a row a frame and joint: ``frame``, ``joint`` (the joint's
  name) and one column an axis (``x``, ``y``, ``z``).

Column names are configurable (``skeleton.frame``, ``joint``, ``axes``: two axes read as
z = 0). The joints are those of ``dataset.layout``, a declared or registered layout that
names its joints; a joint of the layout that the table lacks, or one the table has and the
layout does not, refuses the recording with both lists. The frame rate is
``skeleton.fps_column``, or ``skeleton.time_column`` (seconds: 1 / the median step), else
the sheet's ``fps``, else ``dataset.fps``. A frame lacking a coordinate (empty, NaN) is
absent; ingest quarantines recordings shorter than ``skeleton.min_frames`` or with more
absent frames than ``skeleton.max_nan_share``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hawkeye.data.errors import DatasetError
from hawkeye.data.readers import generic
from hawkeye.data.readers.base import RecordingError, SourceError
from hawkeye.data.readers.registry import SkeletonFormat, register
from hawkeye.data.tables import named_sources, read_table
from hawkeye.landmarks.sequence import LandmarkSequence

if TYPE_CHECKING:
    from hawkeye.config import DatasetConfig
    from hawkeye.data.quarantine import Quarantine

NAME = "skeleton_table"
PATTERNS = ("*.csv", "*.tsv", "*.parquet")


@functools.lru_cache(maxsize=8)
def _table(path: Path, stamp: tuple[int, int], recording: str | None) -> dict[str, pd.DataFrame]:
    """The table at ``path`` (``stamp``: size and mtime, so an edited file is read again),
    split by its ``recording`` column (one entry, key ``""``, without one)."""
    kind, reader = generic.file_kind(path)
    if reader != NAME:
        raise RecordingError(generic.wrong_type(path, NAME) or f"{path.name}: {kind}")
    try:
        frame = read_table(path)
    except (DatasetError, OSError, ValueError) as exc:
        raise RecordingError(f"{path.name}: cannot read the table ({exc})") from exc
    if recording is None:
        return {"": frame}
    if recording not in frame.columns:
        raise RecordingError(
            f"{path.name}: no recording column {recording!r} (skeleton.recording); "
            f"columns: {list(frame.columns)}"
        )
    return {str(key): part for key, part in frame.groupby(frame[recording].astype(str))}


def _numbers(frame: pd.DataFrame, column: str, source: Path) -> np.ndarray:
    """A column as floats; a cell that holds something but not a number is an error."""
    values = pd.to_numeric(frame[column], errors="coerce")
    text = frame[column].astype(str).str.strip()
    bad = values.isna() & frame[column].notna() & (text != "") & (text.str.lower() != "nan")
    if bad.any():
        first = bad.to_numpy().nonzero()[0][0]
        raise RecordingError(
            f"{source.name}: column {column} holds {frame[column].iloc[first]!r}, not a number"
        )
    return values.to_numpy(dtype=np.float64)


def _need(frame: pd.DataFrame, columns: list[str], source: Path, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise RecordingError(
            f"{source.name}: no {what} column(s) {missing}; columns: {list(frame.columns)}"
        )


def _wide(frame: pd.DataFrame, joints: tuple[str, ...], spec: Mapping, source: Path) -> np.ndarray:
    axes = list(spec["axes"])
    suffix = f"_{axes[0]}"
    found = [str(c)[: -len(suffix)] for c in frame.columns if str(c).endswith(suffix)]
    found = [j for j in found if all(f"{j}_{a}" in frame.columns for a in axes)]
    extra = [j for j in found if j not in joints]
    missing = [j for j in joints if not all(f"{j}_{a}" in frame.columns for a in axes)]
    if missing or extra:
        raise RecordingError(
            f"{source.name}: {len(found)} joint(s) in the table, layout {spec['layout_name']} "
            f"has {len(joints)}"
            + (f"; missing: {', '.join(f'{j}_{axes[0]}' for j in missing)}" if missing else "")
            + (f"; not in the layout: {', '.join(extra)}" if extra else "")
        )
    cols = [_numbers(frame, f"{j}_{a}", source) for j in joints for a in axes]
    return np.stack(cols, axis=1).reshape(len(frame), len(joints), len(axes))


def _long(
    frame: pd.DataFrame, joints: tuple[str, ...], spec: Mapping, frames: np.ndarray, source: Path
) -> np.ndarray:
    joint_col, axes = spec["joint"], list(spec["axes"])
    _need(frame, [joint_col, *axes], source, "joint/axis")
    names = frame[joint_col].astype(str).str.strip()
    found = list(dict.fromkeys(names))
    extra = [j for j in found if j not in joints]
    missing = [j for j in joints if j not in found]
    if missing or extra:
        raise RecordingError(
            f"{source.name}: {len(found)} joint(s) in column {joint_col}, layout "
            f"{spec['layout_name']} has {len(joints)}"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; not in the layout: {', '.join(extra)}" if extra else "")
        )
    key = pd.DataFrame({"f": frames, "j": names.to_numpy()})
    if key.duplicated().any():
        first = key[key.duplicated()].iloc[0]
        raise RecordingError(f"{source.name}: frame {first['f']:g} has joint {first['j']} twice")
    order = np.unique(frames)
    out = np.full((len(order), len(joints), len(axes)), np.nan)
    f_idx = np.searchsorted(order, frames)
    j_idx = names.map({j: i for i, j in enumerate(joints)}).to_numpy()
    for a, axis in enumerate(axes):
        out[f_idx, j_idx, a] = _numbers(frame, axis, source)
    return out


def _fps(frame: pd.DataFrame, spec: Mapping, source: Path) -> float | None:
    """The frame rate the table itself gives (fps or time column), if configured."""
    if spec.get("fps_column"):
        _need(frame, [spec["fps_column"]], source, "fps")
        rates = np.unique(_numbers(frame, spec["fps_column"], source))
        rates = rates[np.isfinite(rates)]
        if len(rates) != 1 or not rates[0] > 0:
            raise RecordingError(
                f"{source.name}: column {spec['fps_column']} should hold one positive frame "
                f"rate, holds {rates.tolist()[:5]}"
            )
        return float(rates[0])
    if spec.get("time_column"):
        _need(frame, [spec["time_column"]], source, "time")
        times = np.unique(_numbers(frame, spec["time_column"], source))
        steps = np.diff(times[np.isfinite(times)])
        if not len(steps) or not np.median(steps) > 0:
            raise RecordingError(
                f"{source.name}: column {spec['time_column']} gives no increasing time stamps"
            )
        return float(1.0 / np.median(steps))
    return None


def read_recording(
    source: Path,
    spec: Mapping[str, Any],
    recording: str | None,
    fps: float | None,
    min_frames: int = 1,
) -> LandmarkSequence:
    """One recording of the table at ``source`` (``spec``: a row's reading settings;
    ``recording``: its id in a table holding many); ``fps`` unless the table gives one.
    Fewer than ``min_frames`` frames is refused before the frame rate is looked for."""
    source = Path(source)
    if not source.is_file():
        raise RecordingError(f"landmark file not found: {source}")
    st = source.stat()
    column = spec.get("recording")
    parts = _table(source, (st.st_size, st.st_mtime_ns), column)
    if column is not None and str(recording) not in parts:
        raise RecordingError(f"{source.name}: no rows with {column} = {recording}")
    frame = parts[str(recording) if column is not None else ""]
    layout = generic.joint_layout(spec["layout_name"], source)
    if not layout.names:
        raise RecordingError(
            f"{source.name}: layout {layout.name} names no joints; declare them: "
            "dataset.layout: {name: ..., joints: [...]}"
        )
    _need(frame, [spec["frame"]], source, "frame")
    frames = _numbers(frame, spec["frame"], source)
    if np.isnan(frames).any():
        raise RecordingError(f"{source.name}: empty cells in the frame column {spec['frame']}")
    order = np.argsort(frames, kind="stable")
    frame, frames = frame.iloc[order], frames[order]
    if spec["shape"] == "wide":
        if len(np.unique(frames)) != len(frames):
            dup = frames[np.nonzero(np.diff(frames) == 0)[0][0]]
            raise RecordingError(f"{source.name}: frame {dup:g} appears twice")
        points = _wide(frame, layout.names, spec, source)
    else:
        points = _long(frame, layout.names, spec, frames, source)
    if len(points) < min_frames:
        raise RecordingError(
            f"{source.name}: {len(points)} frame(s), fewer than skeleton.min_frames {min_frames}"
        )
    rate = _fps(frame, spec, source) or fps
    if rate is None:
        raise RecordingError(
            f"{source.name}: no frame rate; give dataset.fps, an fps column in the "
            "annotation, or skeleton.fps_column / skeleton.time_column"
        )
    return generic.sequence(source, points, layout.name, rate, len(spec["axes"]))


def _rate(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) and number > 0 else None


def annotation(path: Path, cfg: DatasetConfig) -> pd.DataFrame:
    """The annotation sheet, renamed by ``dataset.columns``, with task/side/dataset defaults."""
    if not path.is_file():
        raise SourceError(f"{path} does not exist (the annotation CSV, dataset.path)")
    frame = read_table(path).rename(columns=cfg.columns)
    for col, default in (("task", cfg.task), ("dataset", cfg.name), ("side", "unknown")):
        if col not in frame.columns:
            frame[col] = default
    if "source" not in frame.columns:
        raise SourceError(
            f"{path.name} has no source column naming each recording's table; columns: "
            f"{list(frame.columns)} (dataset.columns maps yours, e.g. {{file: source}})"
        )
    return frame


def manifest_rows(path: Path, quarantine: Quarantine | None, cfg: DatasetConfig) -> list[dict]:
    """A row a recording of the annotation at ``path``, each recording read and checked;
    a refused one goes to ``quarantine`` with the reason."""
    sheet = annotation(path, cfg)
    spec_text = generic.settings(cfg)
    spec = generic.read_settings({generic.READ_COLUMN: spec_text})
    minimum = cfg.skeleton_settings().min_frames
    rows = []
    for record in sheet.to_dict("records"):
        source = Path(str(record["source"]))
        source = source if source.is_absolute() else (path.parent / source)
        own = _rate(record.get("fps"))
        try:
            if pd.isna(record["source"]) or not str(record["source"]).strip():
                raise RecordingError("missing source")
            seq = read_recording(source, spec, record.get("sample_id"), own or cfg.fps, minimum)
            generic.check(seq, source, cfg)
        except (RecordingError, DatasetError) as exc:
            if quarantine is None:
                raise
            quarantine.add(record.get("sample_id"), record.get("source"), str(exc))
            continue
        rows.append(
            record
            | {
                "source": str(source.resolve()),
                "fps": seq.fps,
                "layout": seq.layout,
                "n_frames": seq.n_frames,
                generic.READ_COLUMN: spec_text,
            }
        )
    return rows


def load(path: Path, row: Mapping[str, Any]) -> LandmarkSequence:
    """The sequence of one manifest row (its settings in ``skeleton_read``)."""
    spec = generic.read_settings(row)
    return read_recording(path, spec, row.get("sample_id"), _rate(row.get("fps")))


def fingerprint_files(path: Path) -> list[Path]:
    """The annotation and every table it names."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"{path} does not exist")
    tables = {(path.parent / s) for s in named_sources(path)}
    return [path, *sorted(p for p in tables if p.is_file())]


FORMAT = register(
    SkeletonFormat(
        name=NAME,
        description="Your own per-frame joint table (CSV/parquet, wide or long), read as "
        "dataset.layout and dataset.skeleton declare",
        patterns=PATTERNS,
        manifest_rows=manifest_rows,  # type: ignore[arg-type]  # configured: takes cfg
        load_sequence=load,
        fingerprint_files=fingerprint_files,
        reload_columns=(generic.READ_COLUMN,),
        configured=True,
    )
)
