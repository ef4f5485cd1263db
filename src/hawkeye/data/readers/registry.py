"""The skeleton format registry: every public format ``dataset.format`` may name.

Each reader module declares its format as a :class:`SkeletonFormat` and
:func:`register`\\ s it at import; ``hawkeye.data.readers`` imports every reader
module, so importing this module (which imports that package first) gives the
complete registry. Ingest (manifest rows), the landmark step and the sequence
models (a recording's sequence), the step cache (the files a fingerprint
covers) and the configuration (which names are valid) all look formats up
here; none of them lists formats. Adding a format is one reader module that
calls :func:`register` (and :func:`hawkeye.landmarks.sequence.register_layout`
for a new joint layout), imported from ``hawkeye/data/readers/__init__.py``.

A minimal format, one recording a file::

    register(SkeletonFormat(
        name="myformat",
        description="My lab's skeletons: one frame a line of x y z triples",
        patterns=("*.skel",),
        manifest_rows=rows_per_file(("*.skel",), manifest_row),
        load_sequence=lambda path, row: read(path, fps=float(row["fps"])),
    ))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hawkeye.data.readers.base import collect_rows, source_files
from hawkeye.errors import HawkeyeError

if TYPE_CHECKING:
    from hawkeye.data.quarantine import Quarantine
    from hawkeye.landmarks.sequence import LandmarkSequence

# ``dataset.format`` values that are no skeleton format (annotation CSV + .npy/.npz; PARK table).
RESERVED = ("hawkeye", "park")

RowsReader = Callable[[Path, "Quarantine | None"], list[dict[str, Any]]]
SequenceLoader = Callable[[Path, Mapping[str, Any]], "LandmarkSequence"]


class UnknownFormat(HawkeyeError, ValueError):
    """``dataset.format`` (or a manifest's ``format`` column) names no registered format."""


@dataclass(frozen=True)
class SkeletonFormat:
    """What the pipeline needs to know about one public skeleton format.

    - ``patterns``: globs of its files under a data folder (``dataset.path`` may also
      be one file or a glob, see :func:`~hawkeye.data.readers.base.source_files`).
    - ``manifest_rows(path, quarantine)``: one manifest row a recording at ``path``
      (the contract columns plus ``layout``, ``n_frames`` and the format's own); a file
      the reader refuses goes to ``quarantine`` with the reason.
    - ``load_sequence(path, row)``: the recording of one manifest row (``path`` is its
      ``source``, already resolved), as a ``LandmarkSequence``. Readers raise
      ``DatasetError``/``LandmarkError``/``OSError``; the caller turns them into a
      ``LandmarkError`` that quarantines the recording.
    - ``fingerprint_files(path)``: every file the dataset's content depends on (the
      step cache key); default: the files ``patterns`` find. Raise ``SourceError``
      when there are none.
    - ``reload_columns``: manifest columns ``load_sequence`` needs beyond ``source``,
      ``fps`` and ``layout`` (NATOPS: ``case_index``); they travel into the feature
      table so that sequence models can re-read the recording.
    - ``configured``: ``manifest_rows`` takes the ``DatasetConfig`` as a third argument
      (the generic formats, read as ``dataset.layout``/``dataset.skeleton`` declare);
      what ``load_sequence`` needs of it must then be in the row (a ``reload_columns``).
    """

    name: str
    description: str
    patterns: tuple[str, ...]
    manifest_rows: RowsReader
    load_sequence: SequenceLoader
    fingerprint_files: Callable[[Path], list[Path]] | None = None
    reload_columns: tuple[str, ...] = ()
    configured: bool = False

    def files(self, path: Path) -> list[Path]:
        """The format's files at ``path`` (a folder, a file or a glob)."""
        return source_files(path, self.patterns)

    def fingerprinted(self, path: Path) -> list[Path]:
        """The files whose names, sizes and mtimes make the dataset's fingerprint."""
        return (self.fingerprint_files or self.files)(path)


_FORMATS: dict[str, SkeletonFormat] = {}
# A live view of the registered names (``name in FORMATS``), in registration order.
FORMATS = _FORMATS.keys()


def register(fmt: SkeletonFormat, replace: bool = False) -> SkeletonFormat:
    """Add ``fmt`` to the registry (``replace=True`` to redefine a name); returns it."""
    if not fmt.name or not fmt.name.isidentifier():
        raise ValueError(f"format name must be an identifier, got {fmt.name!r}")
    if fmt.name in RESERVED:
        raise ValueError(f"format name {fmt.name!r} is reserved ({', '.join(RESERVED)})")
    if not fmt.patterns:
        raise ValueError(f"format {fmt.name!r} declares no file patterns")
    if fmt.name in _FORMATS and not replace and _FORMATS[fmt.name] != fmt:
        raise ValueError(f"format {fmt.name!r} is already registered")
    _FORMATS[fmt.name] = fmt
    return fmt


def unregister(name: str) -> None:
    """Remove a format (tests and plugins that registered one for a while)."""
    _FORMATS.pop(name, None)


def get(name: str) -> SkeletonFormat:
    """The registered format ``name``; :class:`UnknownFormat` listing the known ones."""
    try:
        return _FORMATS[name]
    except (KeyError, TypeError):
        raise UnknownFormat(
            f"unknown skeleton format {name!r}; known: {', '.join(names())}"
        ) from None


def names() -> tuple[str, ...]:
    """Registered format names, in registration order."""
    return tuple(_FORMATS)


def rows_per_file(
    patterns: tuple[str, ...], row_of: Callable[[Path], dict[str, Any]]
) -> RowsReader:
    """``manifest_rows`` for a format with one recording a file: ``row_of`` each file found."""
    return lambda path, quarantine: collect_rows(source_files(path, patterns), row_of, quarantine)


def declare_layout(
    name: str,
    joints: list[str] | tuple[str, ...],
    bones: list[tuple[str, str]] | tuple[tuple[str, str], ...] = (),
    root: str | list[str] | tuple[str, ...] | None = None,
) -> None:
    """Register a joint layout declared by name in a run configuration (``dataset.layout``).

    ``bones`` (joint-name pairs) become the parent tree, walked from ``root`` (else the
    first joint); ``root``, one joint or several, is the origin the motion features
    normalise by. A ``ValueError`` names an unknown joint, a repeated one, or a name
    already registered with another joint count.
    """
    from hawkeye.landmarks.sequence import register_layout

    names = tuple(str(j) for j in joints)
    if len(set(names)) != len(names):
        raise ValueError(f"layout {name}: a joint is named twice in {list(names)}")
    index = {j: i for i, j in enumerate(names)}
    roots = [root] if isinstance(root, str) else list(root or [])
    unknown = sorted(j for j in {*(j for pair in bones for j in pair), *roots} if j not in index)
    if unknown:
        raise ValueError(f"layout {name}: bones/root name joints not in joints: {unknown}")
    parents = [-1] * len(names)
    if bones:
        neighbours: dict[int, list[int]] = {i: [] for i in range(len(names))}
        for a, b in bones:
            neighbours[index[a]].append(index[b])
            neighbours[index[b]].append(index[a])
        seen = {index[roots[0]] if roots else 0}
        queue = list(seen)
        while queue:
            here = queue.pop(0)
            for there in neighbours[here]:
                if there not in seen:
                    seen.add(there)
                    parents[there] = here
                    queue.append(there)
    register_layout(
        name,
        names,
        parents=tuple(parents) if bones else (),
        root=tuple(index[j] for j in roots) if roots else None,
    )


def layout_names() -> tuple[str, ...]:
    """Every registered joint layout (the readers' and those declared so far)."""
    from hawkeye.landmarks.sequence import LAYOUTS

    return tuple(LAYOUTS)
