"""The clinician's HTML report: self-contained, escaped, and showing the taps PARK counted."""

from __future__ import annotations

import copy
import math
import re
from pathlib import Path

import numpy as np
import pytest

from hawkeye.features.gait import gait_features, gait_signal
from hawkeye.features.park import park_features, park_signal
from hawkeye.landmarks.sequence import LandmarkSequence
from hawkeye.report import render_index, render_report, write_report
from hawkeye.report.html import SYNTHETIC_WARNING

FPS, W, H = 30.0, 1280, 720
REASONS = [
    "1 of 116 features outside the training range (largest: frequency_stdev_denoised "
    "0.108 vs 0.181 to 2.29, 0.1 IQR below)",
    "number of taps 6 is fewer than in the training data (5 to 38)",
]


def tapping_hand(
    seconds: float = 5.0, hz: float = 3.0, amplitude: float = 40.0
) -> LandmarkSequence:
    """A hand whose index tip rotates about the wrist at ``hz`` (thumb still), 1280x720."""
    n = round(seconds * FPS)
    t = np.arange(n) / FPS
    theta = np.radians(5 + amplitude * (1 - np.cos(2 * np.pi * hz * t)) / 2)
    wrist = np.array([640.0, 600.0])

    def above(dy: float) -> np.ndarray:
        return wrist + np.array([0.0, -dy])

    px = np.zeros((n, 21, 2))
    px[:] = above(120)  # other joints: on the palm
    px[:, 0] = wrist
    px[:, 1] = above(50)  # thumb CMC
    px[:, 2], px[:, 3], px[:, 4] = above(150), above(220), above(300)  # thumb, tip 300 px up
    tip = np.stack([300 * np.sin(theta), -300 * np.cos(theta)], axis=1)
    px[:, 5], px[:, 8] = wrist + tip / 3, wrist + tip  # index MCP, index tip
    px[:, 6], px[:, 7] = wrist + tip / 2, wrist + 2 * tip / 3
    points = np.zeros((n, 21, 3), dtype=np.float32)
    points[..., :2] = px / [W, H]
    return LandmarkSequence(points, np.ones(n, dtype=bool), "mediapipe_hand_21", FPS, W, H)


def walker(seconds: float = 8.0, step_hz: float = 1.8) -> LandmarkSequence:
    """A side-view stick walker (legs and arms as pendulums), MediaPipe pose layout."""
    n = round(seconds * FPS)
    phase = 2 * np.pi * step_hz / 2 * np.arange(n) / FPS
    pts = np.zeros((n, 33, 3))
    hip, shoulder = np.array([0.5, 0.55]), np.array([0.5, 0.25])
    pts[:, :11, :2] = shoulder - [0, 0.1]
    for side, sign in ((0, 1), (1, -1)):
        leg = np.deg2rad(20) * sign * np.sin(phase)
        arm = -np.deg2rad(20) * sign * np.sin(phase)
        leg_dir = np.stack([np.sin(leg), np.cos(leg)], axis=1)
        arm_dir = np.stack([np.sin(arm), np.cos(arm)], axis=1)
        pts[:, 23 + side, :2] = hip
        pts[:, 25 + side, :2] = hip + 0.2 * leg_dir
        pts[:, 27 + side, :2] = hip + 0.4 * leg_dir
        pts[:, 29 + side, :2] = hip + 0.4 * leg_dir + [-0.02, 0.02]
        pts[:, 31 + side, :2] = hip + 0.4 * leg_dir + [0.05, 0.02]
        pts[:, 11 + side, :2] = shoulder
        pts[:, 13 + side, :2] = shoulder + 0.12 * arm_dir
        for joint in (15, 17, 19, 21):
            pts[:, joint + side, :2] = shoulder + 0.24 * arm_dir
    return LandmarkSequence(
        pts.astype(np.float32), np.ones(n, dtype=bool), "mediapipe_pose_33", FPS, W, H
    )


def make_report(features: dict[str, float] | None = None, **changes: object) -> dict:
    """A report with the structure `hawkeye predict` writes (scoring.video_report)."""
    features = {k: v for k, v in (features or {}).items() if not math.isnan(v)}
    report = {
        "video": "/clinic/visit 3/patient <7>.mov",
        "status": "scored",
        "model": {
            "uri": "models:/finger_tapping-park-internal@champion",
            "name": "finger_tapping-park-internal",
            "version": "1",
            "type": "xgboost (regression)",
            "task": "finger_tapping",
            "trained_on": {
                "dataset": "park_internal",
                "kind": "feature_table",
                "synthetic": False,
                "recordings": 408,
                "subjects": 107,
                "label_counts": {"0": 95, "1": 148, "2": 118, "3": 43, "4": 4},
            },
            "out_of_fold": {
                "mae": 0.595,
                "exact_acc": 0.515,
                "within1_acc": 0.963,
                "pearson": 0.64,
            },
            "baselines": {"majority.mae": 0.762, "majority.exact_acc": 0.363, "mean.mae": 0.819},
            "aliases_decision": "mae=0.5950 beats the baselines and there is no champion yet",
        },
        "recording": {"fps": FPS, "duration_s": 5.0, "frame_size": [W, H]},
        "qc": {
            "qc_frames": 150.0,
            "qc_fps": FPS,
            "qc_duration_s": 5.0,
            "qc_detection_rate": 1.0,
            "qc_max_missing_s": 0.0,
            "qc_jitter": 0.0093,
            "qc_fps_from_file": 1.0,
        },
        "task_signs": {"other_fingers_motion_ratio": 0.097, "frames_used": 150.0},
        "score": 1.6514,
        "predicted": 2,
        "interval": {
            "low": 0.4189,
            "high": 2.884,
            "note": "split conformal (crepes 0.9.1): 90% of out-of-fold training scores fell "
            "within +-1.23",
        },
        "probabilities": {},
        "applicability": {
            "verdict": "flagged",
            "reasons": list(REASONS),
            "outside": [
                {
                    "feature": "frequency_stdev_denoised",
                    "value": 0.108,
                    "low": 0.181,
                    "high": 2.29,
                    "by_iqr": -0.13,
                }
            ],
            "missing": [],
            "novelty": {"score": -0.43, "training_percentile": 21.8, "threshold": -0.55},
            "conditions": [
                {"name": "taps", "value": 6.0, "low": 5.0, "high": 38.0, "inside": True},
                {"name": "tapping_s", "value": 2.4, "low": 1.1, "high": 12.2, "inside": True},
                {
                    "name": "fps",
                    "value": FPS,
                    "low": None,
                    "high": None,
                    "inside": None,
                    "note": "not recorded in the training data",
                },
            ],
        },
        "features": features,
    }
    for key, value in changes.items():
        report[key] = value
    return report


@pytest.fixture(scope="module")
def seq() -> LandmarkSequence:
    return tapping_hand()


@pytest.fixture(scope="module")
def features(seq: LandmarkSequence) -> dict[str, float]:
    return park_features(seq)


@pytest.fixture(scope="module")
def page(seq: LandmarkSequence, features: dict[str, float]) -> str:
    return render_report(make_report(features), seq)


def section(page: str, title: str) -> str:
    start = page.index(f"<h2>{title}</h2>")
    return page[start : page.index("</section>", start)]


# --- park_signal / gait_signal: the very events the features count -----------------------


def test_park_signal_is_what_park_features_counts(seq, features) -> None:
    signal = park_signal(seq)
    assert signal.n_taps == features["num_peaks_denoised"] >= 13  # 3 Hz for 5 s
    assert np.mean(signal.amplitudes) == pytest.approx(features["amplitude_mean_denoised"])
    assert np.mean(signal.periods) == pytest.approx(features["period_mean_denoised"])
    assert signal.times_s.size == signal.angle_deg.size == seq.n_frames  # all frames kept
    assert signal.first_frame == 0


def test_park_signal_without_taps_keeps_the_angle() -> None:
    still = tapping_hand(amplitude=0.0)
    signal = park_signal(still)
    assert math.isnan(park_features(still)["num_peaks_denoised"])
    assert signal.n_taps == 0 and signal.angle_deg.size == still.n_frames


def test_gait_signal_is_what_gait_features_counts() -> None:
    walk = walker()
    signal, f = gait_signal(walk), gait_features(walk)
    assert signal.n_steps == f["gait_n_steps"] >= 10
    walking = signal.step_intervals_s[signal.walking]
    assert 60 / np.median(walking) == pytest.approx(f["gait_cadence"])
    assert np.median(signal.stride_amplitude) == pytest.approx(f["gait_stride_amplitude_median"])
    assert signal.reason == ""


# --- the page ------------------------------------------------------------------------------


def test_one_self_contained_document(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>") and page.count("<html") == 1
    assert page.rstrip().endswith("</html>")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page.lower() and "url(" not in page and "@import" not in page
    assert "data:image/" in page
    assert len(page.encode()) < 1_500_000


def test_headline_verdict_and_reasons(page: str) -> None:
    head = page[: page.index("<h2>Can this score be trusted?</h2>")]
    assert 'class="score-value">1.7<' in head and "nearest grade" in head
    assert "Likely between <b>0.4</b> and <b>2.9</b> (90 % coverage)" in head
    assert 'class="badge badge-flagged"' in page
    for reason in REASONS:
        assert reason in section(page, "Can this score be trusted?")
    assert "patient &lt;7&gt;.mov" in page  # the video's name, escaped
    assert 'class="warn"' not in page  # not synthetic: no warning


def test_synthetic_model_is_flagged_loudly(seq, features) -> None:
    report = make_report(features)
    report["model"]["trained_on"]["synthetic"] = True
    page = render_report(report, seq)
    assert SYNTHETIC_WARNING in page and "synthetic" in page
    assert SYNTHETIC_WARNING in section(page, "Can this score be trusted?")


def test_tap_count_in_the_caption_is_parks(page: str, features) -> None:
    movement = section(page, "The movement")
    counts = re.findall(r"(\d+) taps counted", movement)
    assert counts == [str(int(features["num_peaks_denoised"]))]
    assert movement.count("data:image/") == 2  # angle over time; per-tap amplitude and gap
    assert "Longest gap" in movement and "first" in movement


def test_no_taps_still_plots_the_angle() -> None:
    still = tapping_hand(amplitude=0.0)
    page = render_report(make_report(park_features(still)), still)
    movement = section(page, "The movement")
    assert "No taps found" in movement and "0 taps counted" in movement
    assert "data:image/svg+xml;base64," in movement


def test_text_is_escaped(seq, features) -> None:
    report = make_report(features)
    report["applicability"]["reasons"] = ['<script>alert("x")</script> & <b>bold</b>']
    page = render_report(report, seq)
    assert "<script" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold" in page


def test_refused_report_shows_the_reason_and_no_score() -> None:
    reason = "quality control: hands found in 12% of frames (min_detection_rate 50%)"
    report = make_report(status="refused", reason=reason)
    for key in ("score", "predicted", "interval", "probabilities", "applicability", "features"):
        report.pop(key)
    page = render_report(report)
    head = page[: page.index("<h2>Can this score be trusted?</h2>")]
    assert "No score" in head and reason in head
    assert 'class="score-value"' not in page and "Likely between" not in page
    assert 'class="badge badge-refused"' in page
    assert "Not shown" in section(page, "Key frames")  # no landmarks: skipped, not crashed


def test_probabilities_as_bars(seq, features) -> None:
    report = make_report(features, probabilities={"0": 0.1, "1": 0.2, "2": 0.6, "3": 0.1})
    page = render_report(report, seq)
    assert "Probability of each grade" in page and "60%" in page


def test_gait_report() -> None:
    walk = walker()
    f = gait_features(walk)
    report = make_report(f)
    report["model"] = copy.deepcopy(report["model"]) | {"task": "gait"}
    page = render_report(report, walk)
    movement = section(page, "The movement")
    assert f"{int(f['gait_n_steps'])} steps counted" in movement
    assert "Cadence" in movement and movement.count("data:image/") == 3


def synthetic_video(path: Path, n: int) -> Path:
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (W // 4, H // 4))
    if not writer.isOpened():
        pytest.skip("OpenCV cannot write an MJPG video here")
    for k in range(n):
        frame = np.full((H // 4, W // 4, 3), 40 + k % 200, dtype=np.uint8)
        writer.write(frame)
    writer.release()
    return path


def test_key_frames_from_the_video(tmp_path: Path, seq, features) -> None:
    video = synthetic_video(tmp_path / "clip.avi", seq.n_frames)
    path = write_report(make_report(features), seq, video, tmp_path / "out" / "report.html")
    frames = section(path.read_text(encoding="utf-8"), "Key frames")
    assert frames.count("data:image/jpeg;base64,") == 4
    widths = [int(w) for w in re.findall(r'<img[^>]*width="(\d+)"', frames)]
    assert widths and max(widths) <= 480


def test_unreadable_video_skips_the_key_frames(tmp_path: Path, seq, features) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_text("not a video")
    page = render_report(make_report(features), seq, broken)
    assert "could not be read" in section(page, "Key frames")
    assert "data:image/jpeg" not in page


def test_features_table_is_collapsed(page: str, features) -> None:
    table = section(page, "Measurements")
    assert "<details>" in table
    assert table.count("<tr>") == sum(1 for v in features.values() if not math.isnan(v)) + 1


def test_index_links_every_entry(seq, features) -> None:
    scored = make_report(features, video="/v/a.mov")
    inside = make_report(features, video="/v/b.mov")
    inside["applicability"] = {"verdict": "inside", "reasons": []}
    refused = make_report(video="/v/c & d.mov", status="refused", reason="hand not found")
    for key in ("score", "interval", "applicability"):
        refused.pop(key)
    entries = [(scored, "a.html"), (inside, "b.html"), (refused, "c & d.html")]
    page = render_index(entries)
    for name in ('href="a.html"', 'href="b.html"', 'href="c%20%26%20d.html"'):
        assert name in page
    assert "c &amp; d.mov" in page and "hand not found" in page
    assert "badge-flagged" in page and "badge-inside" in page and "badge-refused" in page
    assert "http://" not in page and "https://" not in page


# --- a real clip ------------------------------------------------------------------------


@pytest.mark.real_data
def test_real_clip_key_frames(shared_data: Path, tmp_path: Path) -> None:
    video = shared_data / "clips" / "tapping_webcam_raiyan_test4.mov"
    if not video.is_file():
        pytest.skip(f"{video} is absent")
    from hawkeye.config import LandmarkConfig
    from hawkeye.features.extract import sequence_of
    from hawkeye.landmarks.mediapipe_extractor import extract_video

    real = sequence_of(extract_video(video, LandmarkConfig(model="hands")))
    f = park_features(real)
    report = make_report(f, video=str(video))
    path = write_report(report, real, video, tmp_path / "report_tapping.html")
    page = path.read_text(encoding="utf-8")
    assert section(page, "Key frames").count("data:image/jpeg;base64,") >= 3
    taps = re.findall(r"(\d+) taps counted", page)
    assert taps == [str(int(f["num_peaks_denoised"]))]
    assert path.stat().st_size < 1_500_000
