"""One reader a skeleton format, each turning public files into the project's contracts.

Every reader returns a :class:`~hawkeye.data.readers.base.Recording` (a
``LandmarkSequence`` plus what the format carries beside positions) and builds
manifest rows from a folder. Bad input raises an error naming the file and
line, so that ingest can quarantine it with that reason.

Modules: ``keraal`` (file names, dispatch), ``keraal_tables`` (Kinect, Vicon),
``keraal_json`` (OpenPose, BlazePose, AlphaPose), ``anvil`` (KERAAL
annotations), ``uiprmd``, ``msr_action3d``, ``uea_ts`` (the ``.ts`` format) and
``natops``; ``base`` and ``textfile`` hold what they share.
"""
