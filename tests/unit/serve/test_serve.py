"""The `hawkeye serve` web app, without a browser or MediaPipe (FastAPI's TestClient)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

import hawkeye.scoring
import hawkeye.tracking
from hawkeye.serve import app as serve_app
from hawkeye.serve.app import create_app, safe_filename
from hawkeye.tracking.registry import LoadedModel

DATASET = {
    "name": "park",
    "kind": "feature_table",
    "format": "park",
    "path": "features.csv",
    "landmarks": {"model": "hands", "hand_choice": "park"},
}


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A registry with one model, two versions, champion on version 1 (no artifacts)."""
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"
    client = MlflowClient(uri)
    client.create_registered_model("tapping")
    for _ in range(2):
        client.create_model_version("tapping", source="/nonexistent/model")
    client.set_registered_model_alias("tapping", "champion", "1")
    return uri


@pytest.fixture
def client(registry: str, tmp_path: Path):
    videos = tmp_path / "videos"
    videos.mkdir()
    (videos / "clip.mp4").write_bytes(b"not really a video")
    (videos / "notes.txt").write_text("not listed")
    app = create_app(registry, tmp_path / "work", video_dirs=[videos], max_upload_mb=1)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


def _wait(client: TestClient, job_page: str, timeout: float = 30) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        text = client.get(job_page).text
        if 'http-equiv="refresh"' not in text:
            return text
        time.sleep(0.05)
    raise AssertionError(f"{job_page} still running after {timeout} s")


def _submit(client: TestClient, filename: str = "clip.mp4", data: bytes = b"x", **fields):
    form = {"model": "models:/tapping@champion", **fields}
    files = {"video": (filename, data, "video/mp4")} if filename else None
    return client.post("/jobs", data=form, files=files, follow_redirects=False)


def _fake_model(monkeypatch: pytest.MonkeyPatch, row: dict) -> None:
    """load() gives a stand-in model and score_videos() the row: no MLflow artifacts, no
    MediaPipe; the report is built by the real video_report/model_summary."""

    def load(uri: str, tracking_uri: str | None = None) -> LoadedModel:
        return LoadedModel(object(), "tapping", "1", uri, DATASET, {"metric.mae": "0.6"})

    def score_videos(model, dataset, videos, side=None, progress=True):
        assert dataset.task == "finger_tapping" and side is None and progress is False
        return pd.DataFrame([{"sample_id": videos[0].stem, "source": str(videos[0]), **row}])

    monkeypatch.setattr(hawkeye.tracking, "load", load)
    monkeypatch.setattr(hawkeye.scoring, "score_videos", score_videos)
    monkeypatch.setitem(sys.modules, "hawkeye.report", None)  # the built-in page


def test_index_lists_models_and_videos(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    text = page.text
    for uri in ("models:/tapping@champion", "models:/tapping/1", "models:/tapping/2"):
        assert f'value="{uri}"' in text
    assert text.index("tapping@champion") < text.index("tapping/2") < text.index("tapping/1")
    assert '<select name="model"' in text and 'type="file" name="video"' in text
    assert '<select name="choose"' in text and "videos/clip.mp4" in text
    assert "notes.txt" not in text
    assert "http://" not in text and "https://" not in text  # no external assets
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_no_registered_model_says_what_to_run(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serve_app, "model_options", lambda uri: [])
    page = client.get("/")
    assert page.status_code == 200 and "hawkeye run demo" in page.text


def test_unknown_job_is_a_404_page(client: TestClient) -> None:
    for path in ("/jobs/0123456789abcdef", "/jobs/..%2F..%2Fetc", "/nowhere"):
        page = client.get(path)
        assert page.status_code == 404, path
        assert page.headers["content-type"].startswith("text/html")
    assert client.get("/jobs/0123456789abcdef/report.json").status_code == 404
    assert client.get("/jobs/0123456789abcdef/video").status_code == 404


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd.mp4", "passwd.mp4"),
        ("..\\..\\windows\\evil.mov", "evil.mov"),
        ("..", "video"),
        (".hidden.mp4", "hidden.mp4"),
        ("my clip (1).MOV", "my_clip_1_.MOV"),
        ("vidéo;rm -rf.mp4", "video_rm_-rf.mp4"),
        ("a" * 300 + ".mp4", "a" * 116 + ".mp4"),
    ],
)
def test_safe_filename(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


def test_path_traversal_upload_stays_in_its_job_folder(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _fake_model(monkeypatch, {"status": "refused", "reason": "no hands found"})
    answer = _submit(client, "../../../../escape.mp4", b"bytes")
    assert answer.status_code == 303
    job_id = answer.headers["location"].rsplit("/", 1)[-1]
    saved = tmp_path / "work" / "uploads" / job_id / "escape.mp4"
    assert saved.read_bytes() == b"bytes"
    assert not (tmp_path / "escape.mp4").exists() and not Path("/escape.mp4").exists()
    _wait(client, f"/jobs/{job_id}")
    assert client.get(f"/jobs/{job_id}/video").content == b"bytes"  # its own file only


def test_refused_video_shows_its_reason(client: TestClient, monkeypatch: pytest.MonkeyPatch):
    reason = "cannot open as video: fake.mp4 (not a video, or a codec OpenCV lacks)"
    _fake_model(monkeypatch, {"status": "refused", "reason": reason})
    location = _submit(client, "fake.mp4").headers["location"]
    text = _wait(client, location)
    assert 'id="refusal"' in text and reason in text
    report = client.get(f"{location}/report.json").json()
    assert report["status"] == "refused" and report["reason"] == reason
    assert report["model"]["name"] == "tapping"


def test_scored_video_shows_score_interval_and_verdict(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    verdict = {"verdict": "flagged", "reasons": ["few taps"], "novelty": float("nan")}
    row = {
        "status": "scored",
        "reason": "",
        "score": 1.73,
        "predicted": 2,
        "interval_low": 0.9,
        "interval_high": 2.6,
        "applicability": "flagged",
        "assessment": verdict,
        "fps": 30.0,
        "duration_s": 2.8,
        "frame_size": (1920, 1080),
        "qc_detection_rate": 0.97,
    }
    _fake_model(monkeypatch, row)
    location = _submit(client, choose="0:clip.mp4", filename="").headers["location"]
    text = _wait(client, location)
    assert 'id="score">1.73<' in text and "0.90" in text and "2.60" in text
    assert "flagged" in text and "few taps" in text and "1920&times;1080" in text
    report = client.get(f"{location}/report.json").json()  # strict JSON: NaN is null
    assert report["score"] == 1.73 and report["applicability"]["novelty"] is None


def test_a_job_that_raises_shows_its_message(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("the decoder exploded")

    monkeypatch.setattr(hawkeye.tracking, "load", broken)
    location = _submit(client).headers["location"]
    text = _wait(client, location)
    assert 'id="error"' in text and "RuntimeError: the decoder exploded" in text
    assert "Traceback" not in text
    assert client.get(f"{location}/report.json").status_code == 500


def test_the_real_loader_failing_is_a_message_too(client: TestClient) -> None:
    """The registered version's artifacts do not exist: MLflow's own error, shown."""
    text = _wait(client, _submit(client).headers["location"])
    assert 'id="error"' in text and "Traceback" not in text


def test_bad_submissions(client: TestClient) -> None:
    assert _submit(client, filename="").status_code == 400  # no video
    assert _submit(client, filename="", choose="0:../../etc/passwd").status_code == 400
    unknown = client.post("/jobs", data={"model": "models:/other@champion"})
    assert unknown.status_code == 400 and "not a registered model" in unknown.text
    big = _submit(client, "big.mp4", b"0" * (2 * 1024**2))  # the limit here is 1 MB
    assert big.status_code == 413 and "1 MB" in big.text


def test_a_chunked_upload_is_cut_off_at_the_limit(client: TestClient, tmp_path: Path) -> None:
    """No Content-Length to refuse up front: the body is counted while it is parsed."""
    head = (
        b'--b\r\nContent-Disposition: form-data; name="model"\r\n\r\nmodels:/tapping/1\r\n'
        b'--b\r\nContent-Disposition: form-data; name="video"; filename="big.mp4"\r\n'
        b"Content-Type: video/mp4\r\n\r\n"
    )

    def body():
        yield head
        for _ in range(4):
            yield b"0" * (512 * 1024)
        yield b"\r\n--b--\r\n"

    answer = client.post(
        "/jobs", content=body(), headers={"content-type": "multipart/form-data; boundary=b"}
    )
    assert answer.status_code == 413 and "1 MB" in answer.text
    assert not list((tmp_path / "work" / "uploads").rglob("big.mp4"))


def test_other_host_names_are_refused(client: TestClient) -> None:
    assert client.get("/", headers={"host": "evil.example"}).status_code == 400


def test_serve_binds_this_machine_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import uvicorn

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    serve_app.serve("sqlite:///" + str(tmp_path / "m.db"), tmp_path / "work", port=9999)
    assert calls == [{"host": "127.0.0.1", "port": 9999}]
