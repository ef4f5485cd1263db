"""API scorer against a stub HTTP server on 127.0.0.1 speaking both wire formats.

Proves: the request carries the frames as base64 JPEG and the key in the
provider's header; the key never shows in logs, repr, pickles, details or
error messages; without ``allow_remote_frames=True`` no request is made.
"""

from __future__ import annotations

import base64
import logging
import pickle
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hawkeye.models.vlm.api import APIScorer, APIScorerError, RemoteFramesRefused
from tests.stub_api import Stub, serve_stub

SECRET = "sk-test-0123456789abcdef-SECRET"
KEY_ENV = "HAWKEYE_TEST_VLM_KEY"


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Stub, str]]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    with serve_stub() as served:
        yield served


@pytest.fixture
def videos(tmp_path: Path) -> pd.DataFrame:
    import cv2

    paths = []
    for name in ("v1", "v2"):
        path = tmp_path / f"{name}.mp4"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (64, 48))
        for i in range(10):
            frame = np.full((48, 64, 3), 40, np.uint8)
            frame[5:15, 5 * i : 5 * i + 8] = 250
            writer.write(frame)
        writer.release()
        paths.append(str(path))
    return pd.DataFrame({"sample_id": ["v1", "v2"], "source": paths, "task": "finger_tapping"})


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(KEY_ENV, SECRET)
    return SECRET


def _jpeg(data: str) -> bytes:
    raw = base64.b64decode(data, validate=True)
    assert raw[:2] == b"\xff\xd8", "not a JPEG"
    return raw


def _assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text
        assert SECRET[-12:] not in text


def test_openai_compatible_request_carries_frames_and_key(
    stub: tuple[Stub, str], videos: pd.DataFrame, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server, url = stub
    scorer = APIScorer(
        provider="openai",
        model="stub-vlm",
        base_url=f"{url}/v1",
        api_key_env=KEY_ENV,
        allow_remote_frames=True,
        n_frames=3,
    )
    details = scorer.fit(videos).predict_details(videos)

    assert list(details["status"]) == ["ok", "ok"] and list(details["score"]) == [2.0, 2.0]
    assert len(server.requests) == 2
    sent = server.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["authorization"] == f"Bearer {key}"
    body = sent["body"]
    assert body["model"] == "stub-vlm" and body["temperature"] == 0
    parts = body["messages"][0]["content"]
    images = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    assert len(images) == 3
    assert all(u.startswith("data:image/jpeg;base64,") for u in images)
    assert all(_jpeg(u.split(",", 1)[1]) for u in images)
    assert "3.4" in parts[-1]["text"]

    assert scorer.allow_remote_frames is True
    _assert_no_secret(
        caplog.text, repr(scorer), details.to_json(), str(pickle.dumps(scorer)), str(vars(scorer))
    )


def test_anthropic_request_carries_frames_and_key(
    stub: tuple[Stub, str], videos: pd.DataFrame, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server, url = stub
    server.reply = "3"
    scorer = APIScorer(
        provider="anthropic",
        model="claude-stub",
        base_url=url,
        api_key_env=KEY_ENV,
        allow_remote_frames=True,
        n_frames=4,
        task="gait",
    )
    score = scorer.predict(videos.assign(task="gait"))

    np.testing.assert_array_equal(score, [3.0, 3.0])
    sent = server.requests[0]
    assert sent["path"] == "/v1/messages"
    assert sent["headers"]["x-api-key"] == key
    assert sent["headers"]["anthropic-version"] == "2023-06-01"
    assert "authorization" not in sent["headers"]
    blocks = sent["body"]["messages"][0]["content"]
    images = [b for b in blocks if b["type"] == "image"]
    assert len(images) == 4
    assert all(b["source"]["media_type"] == "image/jpeg" for b in images)
    assert all(_jpeg(b["source"]["data"]) for b in images)
    assert sent["body"]["max_tokens"] == scorer.max_new_tokens
    assert "3.10" in blocks[-1]["text"]
    _assert_no_secret(caplog.text, repr(scorer), str(pickle.dumps(scorer)))


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_without_permission_no_frame_leaves(
    stub: tuple[Stub, str], videos: pd.DataFrame, key: str, provider: str
) -> None:
    server, url = stub
    scorer = APIScorer(provider=provider, model="m", base_url=url, api_key_env=KEY_ENV)
    assert scorer.allow_remote_frames is False  # the default, recorded by get_params too
    assert scorer.get_params()["allow_remote_frames"] is False
    with pytest.raises(RemoteFramesRefused, match="allow_remote_frames=True"):
        scorer.predict(videos)
    truthy_but_not_true = APIScorer(
        provider=provider, model="m", base_url=url, api_key_env=KEY_ENV, allow_remote_frames="yes"
    )
    with pytest.raises(RemoteFramesRefused):
        truthy_but_not_true.predict(videos)
    assert server.requests == []


def test_http_errors_are_clear_and_keep_the_key_secret(
    stub: tuple[Stub, str], videos: pd.DataFrame, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server, url = stub
    server.fail_with = 401
    scorer = APIScorer(
        model="m",
        base_url=f"{url}/v1",
        api_key_env=KEY_ENV,
        allow_remote_frames=True,
        max_retries=0,
    )
    with pytest.raises(APIScorerError, match="HTTP 401") as info:
        scorer.predict(videos)
    assert "/v1/chat/completions" in str(info.value)
    _assert_no_secret(str(info.value), caplog.text)

    server.fail_with = None
    wrong_path = APIScorer(
        model="m", base_url=url, api_key_env=KEY_ENV, allow_remote_frames=True, max_retries=0
    )
    with pytest.raises(APIScorerError, match="HTTP 404"):
        wrong_path.predict(videos)


def test_unreachable_server_and_missing_key_fail_clearly(
    videos: pd.DataFrame, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = APIScorer(
        model="m",
        base_url=f"http://127.0.0.1:{port}/v1",
        api_key_env=KEY_ENV,
        allow_remote_frames=True,
        max_retries=0,
        timeout_s=5,
    )
    with pytest.raises(APIScorerError, match="ConnectionError"):
        down.predict(videos)

    monkeypatch.delenv(KEY_ENV)
    with pytest.raises(APIScorerError, match=KEY_ENV):
        down.predict(videos)


def test_keyless_local_server_and_bad_videos(
    stub: tuple[Stub, str], videos: pd.DataFrame, tmp_path: Path
) -> None:
    server, url = stub
    server.reply = "I would need to see more frames."
    scorer = APIScorer(
        model="llava", base_url=f"{url}/v1", api_key_env="", allow_remote_frames=True, n_frames=2
    )
    broken = pd.DataFrame({"source": [str(tmp_path / "missing.mp4")], "task": "finger_tapping"})
    details = scorer.predict_details(pd.concat([videos, broken], ignore_index=True))
    assert list(details["status"]) == ["unparsable", "unparsable", "video_error"]
    assert details["score"].isna().all()
    assert len(server.requests) == 2  # none for the missing video
    assert "authorization" not in server.requests[0]["headers"]


def test_busy_server_is_retried(
    stub: tuple[Stub, str], videos: pd.DataFrame, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hawkeye.models.vlm.api as api

    waits: list[float] = []
    monkeypatch.setattr(api.time, "sleep", waits.append)
    server, url = stub
    server.fail_with, server.fail_times = 503, 1
    scorer = APIScorer(
        model="m", base_url=f"{url}/v1", api_key_env=KEY_ENV, allow_remote_frames=True
    )
    assert list(scorer.predict(videos.iloc[:1])) == [2.0]
    assert len(server.requests) == 2 and waits == [1.0]
