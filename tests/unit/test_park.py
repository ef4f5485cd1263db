import pytest

from hawkeye.config import DatasetConfig
from hawkeye.data.ingest import ingest
from hawkeye.data.park import authors_group, participant_id
from hawkeye.features.table import feature_columns


def test_participant_from_filename() -> None:
    assert participant_id("2019-05-03T17-09-33-963Z100-task2-right.webm") == "P100"
    assert participant_id("2018-10-13T18-33-39-530Z2-task2-right.webm") == "P2"
    assert (
        participant_id("NIHXU164EVFHK-task2-2019-12-02T14-13-50-404Z--right.webm")
        == "NIHXU164EVFHK"
    )
    assert authors_group("2019-05-03T17-09-33-963Z100-task2-right.webm") == "963Z100"
    with pytest.raises(ValueError, match="after 'Z'"):
        participant_id("no-participant.webm")


@pytest.mark.real_data
def test_park_table_reads_as_manifest(shared_data) -> None:
    cfg = DatasetConfig(
        name="park",
        kind="feature_table",
        format="park",
        path=str(shared_data / "park_finger_tapping" / "fingertapping_features.csv"),
    )
    result = ingest(cfg)
    manifest = result.manifest
    assert len(manifest) + len(result.quarantine) == 489
    assert manifest["subject_id"].nunique() > 100  # participants, not recordings
    assert set(manifest["label"]) <= {0, 1, 2, 3, 4}
    features = feature_columns(manifest.drop(columns=["source", "fps"]))
    assert (
        "amplitude_median_denoised" in features
        and "Rating" not in features
        and "age" not in features
    )
