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


@pytest.mark.real_data
def test_unreadable_cells_and_missing_park_columns_are_not_silent(shared_data, tmp_path) -> None:
    import pandas as pd

    from hawkeye.data.errors import DatasetError
    from hawkeye.data.park import FEATURE_COLUMNS

    table = pd.read_csv(shared_data / "park_finger_tapping" / "fingertapping_features.csv")
    assert len(FEATURE_COLUMNS) == 116 and set(FEATURE_COLUMNS) <= set(table.columns)
    features = list(FEATURE_COLUMNS)
    bad = table.astype({c: object for c in features})
    bad.loc[0, "period_mean_denoised"] = "abc"  # one odd cell: read as missing, said so
    bad.loc[1, features[:70]] = "??"  # most of a row unreadable: quarantined
    path = tmp_path / "park.csv"
    bad.to_csv(path, index=False)
    cfg = DatasetConfig(name="park", kind="feature_table", format="park", path=str(path))
    result = ingest(cfg)
    reasons = dict(zip(result.quarantine["sample_id"], result.quarantine["reason"], strict=True))
    second = str(table.loc[1, "filename"]).rsplit(".", 1)[0]
    assert "60% of the feature cells are empty or not numbers" in reasons[second]
    assert "not numbers: wrist_mvmnt_x_median='??'" in reasons[second]
    first = str(table.loc[0, "filename"]).rsplit(".", 1)[0]
    assert first in set(result.manifest["sample_id"])
    table.drop(columns=["aperiodicity_trimmed"]).to_csv(path, index=False)
    with pytest.raises(DatasetError, match="lacks 1 of PARK's 116 feature columns"):
        ingest(cfg)
    subset = [c for c in features if c != "aperiodicity_trimmed"][:53]
    ok = ingest(cfg.model_copy(update={"feature_columns": subset}))
    assert len(ok.manifest) + len(ok.quarantine) == len(table)
