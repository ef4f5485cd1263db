"""One reader a skeleton format, each turning public files into the project's contracts.

Every reader returns a :class:`~hawkeye.data.readers.base.Recording` (a
``LandmarkSequence`` plus what the format carries beside positions) and builds
manifest rows from a folder. Bad input raises an error naming the file and
line, so that ingest can quarantine it with that reason.

Each format module declares itself to :mod:`hawkeye.data.readers.registry`
(``dataset.format``: name, file patterns, manifest rows with its protocol
columns, sequence loading, the files its fingerprint covers) and its joint
layouts to :func:`hawkeye.landmarks.sequence.register_layout`. Importing this
package imports every module in it (in name order), so the registry is
complete: a new format is a new module here and nothing else.

Modules: ``keraal`` (file names, dispatch, Anvil labelling), ``keraal_tables``
(Kinect, Vicon), ``keraal_json`` (OpenPose, BlazePose, AlphaPose), ``anvil``
(KERAAL annotations), ``uiprmd``, ``msr_action3d`` (with its cross-subject
split), ``uea_ts`` (the ``.ts`` format) and ``natops``; ``base``, ``textfile``
and ``registry`` hold what they share.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):  # each format module registers itself
    importlib.import_module(f"{__name__}.{_module.name}")
