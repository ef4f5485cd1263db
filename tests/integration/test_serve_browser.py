"""`hawkeye serve` in a real headless browser: pick a model, upload a webcam clip, read the report.

Playwright (PyPI) drives Debian's /usr/bin/chromium; its bundled driver runs offline, and no
browser is downloaded. The model is a small random forest trained here on the real PARK
feature table and registered in an MLflow store under tmp_path.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import mlflow
import pytest

from hawkeye.config import DatasetConfig, GateConfig, ModelConfig, SplitConfig
from hawkeye.data.ingest import ingest
from hawkeye.evaluation.metrics import evaluate_predictions
from hawkeye.features.extract import build_features
from hawkeye.serve import create_app
from hawkeye.splits import make_folds, split_hash
from hawkeye.tracking import TAG_DATASET, TAG_TASK, register_model
from hawkeye.training import cross_validate

pytestmark = [pytest.mark.slow, pytest.mark.real_data]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NAME = "tapping-test"


def _timed(timings: dict[str, float], step: str, start: float) -> float:
    now = time.perf_counter()
    timings[step] = round(now - start, 1)
    return now


@pytest.fixture
def registry(
    tmp_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, str]]:
    """(tracking uri, model uri): a random forest on PARK's features, registered."""
    table_path = shared_data / "park_finger_tapping" / "fingertapping_features.csv"
    if not table_path.is_file():
        pytest.skip(f"{table_path} is absent")
    monkeypatch.setenv("HAWKEYE_HOME", str(tmp_path / "hawkeye-home"))  # the landmark cache
    cfg = DatasetConfig(
        name="park",
        kind="feature_table",
        format="park",
        path=str(table_path),
        landmarks={"model": "hands", "hand_choice": "park"},
    )
    features = build_features(ingest(cfg).manifest, cfg).features
    folds = make_folds(features, SplitConfig(n_splits=3))
    trained = cross_validate(
        features, folds, ModelConfig(name="random_forest", params={"n_estimators": 20})
    )
    report = evaluate_predictions(trained.predictions)
    model = trained.model
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)  # set_tracking_uri sets it
    mlflow.set_tracking_uri(uri)
    tags = {TAG_DATASET: cfg.model_dump_json(), TAG_TASK: "finger_tapping"}
    with mlflow.start_run():
        outcome = register_model(
            model,
            features[list(model.feature_names_in_)],
            NAME,
            report,
            split_hash(folds),
            GateConfig(),
            tags,
        )
    champion = outcome["alias"] == "champion"
    yield uri, f"models:/{NAME}@champion" if champion else f"models:/{NAME}/{outcome['version']}"
    mlflow.set_tracking_uri(None)  # after the server (which loads through it) has stopped


@pytest.fixture
def server(registry: tuple[str, str], tmp_path: Path) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, served by uvicorn in a background thread."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(registry[0], tmp_path / "work")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/", timeout=5) as answer:
                if answer.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    yield base
    server.should_exit = True
    thread.join(timeout=30)


def _renderer() -> bool:
    """Whether hawkeye.report (written separately) renders the report page."""
    try:
        from hawkeye.report import render_report  # noqa: F401
    except ImportError:
        return False
    return True


def _finished(page, timeout: float = 120) -> str:  # type: ignore[no-untyped-def]
    """The job page's HTML once it stops refreshing (the meta refresh reloads it each second)."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            html = page.content()
        except Error:  # the page was reloading
            html = ""
        if html and 'http-equiv="refresh"' not in html and "</body>" in html:
            return html
        time.sleep(0.25)
    raise AssertionError(f"no report after {timeout} s:\n{page.content()[-2000:]}")


def _submit(page, base: str, model: str, video: Path) -> str:  # type: ignore[no-untyped-def]
    page.goto(base + "/")
    page.select_option("select[name=model]", model)
    page.set_input_files("input[name=video]", str(video))
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f]{16}$"))
    return page.url


def test_browser_scores_webcam_clip_and_refuses_a_fake(
    registry: tuple[str, str], server: str, shared_data: Path, tmp_path: Path
) -> None:
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium)")
    clip = shared_data / "clips" / "tapping_webcam_raiyan_test4.mov"
    if not clip.is_file():
        pytest.skip(f"{clip} is absent")
    from playwright.sync_api import sync_playwright

    rendered = _renderer()
    fake = tmp_path / "fake.mp4"
    fake.write_text("this is not a video")
    timings: dict[str, float] = {}
    start = time.perf_counter()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            outside: list[str] = []  # nothing may be fetched from anywhere but the app
            page.on(
                "request",
                lambda r: None if r.url.startswith((server, "data:")) else outside.append(r.url),
            )
            start = _timed(timings, "browser start", start)

            page.goto(server + "/")
            options = page.eval_on_selector_all(
                "select[name=model] option", "els => els.map(e => e.value)"
            )
            assert registry[1] in options and f"models:/{NAME}/1" in options
            job = _submit(page, server, registry[1], clip)
            html = _finished(page)
            start = _timed(timings, "webcam clip scored", start)
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"\nscreenshot: {shot}")
            with urllib.request.urlopen(job + "/report.json", timeout=10) as answer:
                report = json.load(answer)
            assert report["status"] == "scored", report.get("reason")
            score = report["score"]
            assert 0 <= score <= 4
            text = page.inner_text("body")
            assert f"{score:.1f}" in text or f"{score:.2f}" in text
            if rendered:
                assert "<img" in html or "<svg" in html
            else:
                shown = float(page.inner_text("#score"))
                assert 0 <= shown <= 4 and shown == pytest.approx(score, abs=0.005)
                assert page.inner_text("#verdict").strip() == report["applicability"]["verdict"]

            _submit(page, server, registry[1], fake)
            _finished(page)
            refusal = page.inner_text("#refusal")
            assert "cannot open as video" in refusal and "not a video" in refusal
            page.screenshot(path=str(tmp_path / "refusal.png"), full_page=True)
            _timed(timings, "fake video refused", start)
            assert not outside, outside
        finally:
            browser.close()
    print("timings (s):", timings)
    assert shot.stat().st_size > 10_000
