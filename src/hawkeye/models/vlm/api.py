"""The same zero-shot scorer through a hosted or self-served model's HTTP API.

Two wire formats: OpenAI-compatible chat completions (OpenAI, vLLM, Ollama,
LM Studio, ...) and Anthropic's Messages API. Frames travel as base64 JPEG
images, so video of patients leaves the process: that happens only when
``allow_remote_frames=True`` was set explicitly (any endpoint, a local one
too: one rule, no guessing which hosts are "local"); otherwise ``predict``
refuses before any request. The API key is read from an environment variable
at request time and is never stored on the estimator, logged, or returned.
"""

from __future__ import annotations

import base64
import logging
import os
import time
from typing import Any

import numpy as np

from hawkeye.errors import HawkeyeError
from hawkeye.models.vlm.base import VideoScorer
from hawkeye.models.vlm.frames import SampledFrames

log = logging.getLogger(__name__)

PROVIDERS = {
    # provider: (default base URL, path, default key variable)
    "openai": ("https://api.openai.com/v1", "/chat/completions", "OPENAI_API_KEY"),
    "anthropic": ("https://api.anthropic.com", "/v1/messages", "ANTHROPIC_API_KEY"),
}
RETRY_STATUS = {429, 500, 502, 503, 504}


class RemoteFramesRefused(HawkeyeError, PermissionError):
    """Frames of patients would leave the machine without ``allow_remote_frames=True``."""


class APIScorerError(HawkeyeError, RuntimeError):
    """The API could not be reached or answered with an error; the message says which."""


def jpeg_base64(image: np.ndarray, quality: int = 85) -> str:
    """An RGB uint8 frame as base64 JPEG text."""
    import cv2

    ok, buf = cv2.imencode(
        ".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    if not ok:
        raise ValueError("JPEG encoding failed")
    return base64.b64encode(buf.tobytes()).decode("ascii")


class APIScorer(VideoScorer):
    """Rates each video with a model behind an HTTP API, same contract as ``VLMScorer``.

    ``api_key_env`` names the variable holding the key (default
    ``OPENAI_API_KEY`` / ``ANTHROPIC_API_KEY``); an empty string sends no key
    (a local vLLM or Ollama server without authentication).
    """

    def __init__(
        self,
        provider: str = "openai",
        model: str = "",
        base_url: str | None = None,
        api_key_env: str | None = None,
        allow_remote_frames: bool = False,
        task: str = "finger_tapping",
        n_frames: int = 8,
        max_side: int | None = 448,
        jpeg_quality: int = 85,
        max_new_tokens: int = 16,
        timeout_s: float = 60.0,
        max_retries: int = 2,
        anthropic_version: str = "2023-06-01",
        min_label: int = 0,
        max_label: int = 4,
    ) -> None:
        self.provider = provider
        self.model = model
        self.base_url = base_url
        self.api_key_env = api_key_env
        self.allow_remote_frames = allow_remote_frames
        self.task = task
        self.n_frames = n_frames
        self.max_side = max_side
        self.jpeg_quality = jpeg_quality
        self.max_new_tokens = max_new_tokens
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.anthropic_version = anthropic_version
        self.min_label = min_label
        self.max_label = max_label

    # -- configuration -------------------------------------------------------------------------

    def _provider(self) -> tuple[str, str, str]:
        if self.provider not in PROVIDERS:
            raise ValueError(f"provider must be one of {sorted(PROVIDERS)}, not {self.provider!r}")
        return PROVIDERS[self.provider]

    @property
    def endpoint(self) -> str:
        base, path, _ = self._provider()
        return (self.base_url or base).rstrip("/") + path

    @property
    def key_variable(self) -> str:
        return self._provider()[2] if self.api_key_env is None else self.api_key_env

    def _key(self) -> str | None:
        name = self.key_variable
        if not name:
            return None
        key = os.environ.get(name)
        if not key:
            raise APIScorerError(
                f"API key variable {name} is unset or empty (set api_key_env='' for an "
                "endpoint without authentication)"
            )
        return key

    def _redact(self, text: str) -> str:
        name = self.key_variable
        key = os.environ.get(name) if name else None
        return text.replace(key, "[redacted]") if key and len(key) >= 4 else text

    def _prepare(self) -> None:
        self._provider()
        if not self.model:
            raise ValueError("APIScorer needs model: the name the API knows the model by")
        if self.allow_remote_frames is not True:
            raise RemoteFramesRefused(
                f"APIScorer would send video frames to {self.endpoint}; set "
                "allow_remote_frames=True to allow frames of these recordings to leave this "
                "machine (check the data's consent and governance first)"
            )
        self._key()
        log.info(
            "APIScorer: %s model %s at %s, frames leave this machine (allow_remote_frames=True)",
            self.provider,
            self.model,
            self.endpoint,
        )

    # -- wire formats --------------------------------------------------------------------------

    def request_body(self, frames: SampledFrames, prompt: str) -> dict[str, Any]:
        images = [jpeg_base64(img, self.jpeg_quality) for img in frames.images]
        captions = self.frame_captions(frames)
        content: list[dict[str, Any]] = []
        if self.provider == "anthropic":
            for caption, data in zip(captions, images, strict=True):
                content.append({"type": "text", "text": caption})
                content.append(
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/jpeg", "data": data},
                    }
                )
        else:
            for caption, data in zip(captions, images, strict=True):
                content.append({"type": "text", "text": caption})
                content.append(
                    {"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{data}"}}
                )
        content.append({"type": "text", "text": prompt})
        return {
            "model": self.model,
            "max_tokens": self.max_new_tokens,
            "temperature": 0,
            "messages": [{"role": "user", "content": content}],
        }

    def _headers(self) -> dict[str, str]:
        key = self._key()
        headers = {"content-type": "application/json"}
        if self.provider == "anthropic":
            headers["anthropic-version"] = self.anthropic_version
            if key:
                headers["x-api-key"] = key
        elif key:
            headers["authorization"] = f"Bearer {key}"
        return headers

    def _text(self, payload: Any) -> str:
        try:
            if self.provider == "anthropic":
                return "".join(
                    part.get("text", "")
                    for part in payload["content"]
                    if part.get("type") == "text"
                )
            content = payload["choices"][0]["message"]["content"]
            if isinstance(content, list):  # some servers return content parts
                return "".join(p.get("text", "") for p in content if isinstance(p, dict))
            return content or ""
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            shown = self._redact(str(payload))[:300]
            msg = f"unexpected response shape from {self.endpoint}: {shown}"
            raise APIScorerError(msg) from exc

    def _answer(self, frames: SampledFrames, prompt: str) -> str:
        import requests

        body = self.request_body(frames, prompt)
        url = self.endpoint
        for attempt in range(self.max_retries + 1):
            try:
                response = requests.post(
                    url, json=body, headers=self._headers(), timeout=self.timeout_s
                )
            except requests.RequestException as exc:
                problem = f"{type(exc).__name__}: {self._redact(str(exc))}"
                retry = True
            else:
                if response.ok:
                    try:
                        return self._text(response.json())
                    except ValueError as exc:
                        raise APIScorerError(f"{url} returned a body that is not JSON") from exc
                problem = (
                    f"HTTP {response.status_code}: {self._redact(response.text.strip())[:300]}"
                )
                retry = response.status_code in RETRY_STATUS
            if not retry or attempt == self.max_retries:
                raise APIScorerError(
                    f"{self.provider} request to {url} failed after {attempt + 1} "
                    f"attempt(s): {problem}"
                )
            wait = 2.0**attempt
            log.warning("APIScorer: %s; retrying in %.0f s", problem, wait)
            time.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover
