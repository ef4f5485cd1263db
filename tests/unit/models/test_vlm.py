"""Zero-shot VLM scorer: answer parsing, frame sampling, prompts, and the whole local-model path.

The model is a tiny randomly initialised LLaVA (CLIP vision tower + 2-layer
Llama) with a byte-level tokenizer built here and saved to tmp_path: its
scores mean nothing, the plumbing (local loading, frames, chat template,
greedy generation, parsing, statuses) is what is tested. LLaVA rather than
Qwen2-VL because transformers 5's Qwen2-VL processor requires a video
processor, and that requires torchvision, which this project does not install.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from hawkeye.models.vlm.answers import OK, OUT_OF_RANGE, UNPARSABLE, parse_score
from hawkeye.models.vlm.base import STATUSES, summarize_details
from hawkeye.models.vlm.frames import VideoError, frame_indices, sample_frames
from hawkeye.models.vlm.local import ModelNotFoundError, VLMScorer, choose_device, load_plan
from hawkeye.models.vlm.rubrics import RUBRICS, build_prompt, check_label_range
from tests.tiny_vlm import FORCED_DIGIT, build_tiny_llava, write_video

HAS_TRANSFORMERS = importlib.util.find_spec("transformers") is not None
needs_transformers = pytest.mark.skipif(
    not HAS_TRANSFORMERS, reason="transformers is not installed (pip install -e '.[vlm]')"
)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny-vlm")
    return {
        "random": build_tiny_llava(root / "random"),
        "forced": build_tiny_llava(root / "forced", zero_head=True),
    }


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    root = tmp_path_factory.mktemp("videos")
    broken = root / "broken.mp4"
    broken.write_bytes(b"not a video at all")
    return pd.DataFrame(
        {
            "sample_id": ["a", "b", "broken"],
            "source": [
                str(write_video(root / "a.mp4")),
                str(write_video(root / "b.mp4", n_frames=5)),
                str(broken),
            ],
            "task": ["finger_tapping", "gait", "finger_tapping"],
            "label": [1, 3, 0],
        }
    )


# ------------------------------------------------------------------------------ answer parser


@pytest.mark.parametrize(
    ("answer", "score"),
    [
        ("3", 3.0),
        (" 0\n", 0.0),
        ("Score: 3", 3.0),
        ("**Score:** 2", 2.0),
        ("The score is 1.", 1.0),
        ("3/4", 3.0),
        ("Answer: 4 / 4", 4.0),
        ("3 out of 4", 3.0),
        ("three", 3.0),
        ("Three.", 3.0),
        ("Score: two (mild slowing)", 2.0),
        ("2.5", 2.5),
        ("3. The taps slow down after 2 seconds.", 3.0),
        ("On the 0-4 scale, the rating would be 1.", 1.0),
        ("The patient hesitates 4 times; score 2", 2.0),
        ("Item 3.4: 2", 2.0),
    ],
)
def test_parser_reads_the_score(answer: str, score: float) -> None:
    parsed = parse_score(answer, 0, 4)
    assert (parsed.status, parsed.score, parsed.value) == (OK, score, score)


@pytest.mark.parametrize(
    ("answer", "value"),
    [("7", 7.0), ("Score: 5", 5.0), ("5/4", 5.0), ("-1", -1.0), ("score: ten", 10.0)],
)
def test_parser_flags_out_of_range(answer: str, value: float) -> None:
    parsed = parse_score(answer, 0, 4)
    assert parsed.status == OUT_OF_RANGE
    assert parsed.value == value and math.isnan(parsed.score)


@pytest.mark.parametrize(
    "answer",
    ["", "   ", None, "I cannot tell from these frames.", "between 1 and 2", "nan", "\x07\x07+"],
)
def test_parser_flags_unparsable(answer: str | None) -> None:
    parsed = parse_score(answer, 0, 4)
    assert parsed.status == UNPARSABLE
    assert math.isnan(parsed.score) and math.isnan(parsed.value)


def test_parser_uses_the_configured_range() -> None:
    assert parse_score("4", 0, 3).status == OUT_OF_RANGE
    assert parse_score("On a 0-3 scale: 2", 0, 3).score == 2.0


# ------------------------------------------------------------------------- frames and prompts


def test_frame_indices_are_even_and_bounded() -> None:
    assert frame_indices(100, 4) == [12, 37, 62, 87]
    assert frame_indices(3, 8) == [0, 1, 2]
    assert frame_indices(0, 8) == []


def test_sample_frames_streams_n_frames(tmp_path: Path) -> None:
    path = write_video(tmp_path / "v.mp4", n_frames=12, size=(64, 48))
    frames = sample_frames(path, 4, max_side=32)
    assert frames.indices == [1, 4, 7, 10] and frames.n_total == 12
    assert frames.times_s == pytest.approx([0.1, 0.4, 0.7, 1.0])
    assert all(img.shape == (24, 32, 3) and img.dtype == np.uint8 for img in frames.images)
    assert len(sample_frames(path, 50, max_side=None).images) == 12


def test_sample_frames_rejects_what_is_not_a_video(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00" * 100)
    with pytest.raises(VideoError):
        sample_frames(bad, 4)
    with pytest.raises(VideoError, match="not found"):
        sample_frames(tmp_path / "missing.mp4", 4)


def test_prompt_holds_the_rubric_of_the_task() -> None:
    prompt = build_prompt("finger_tapping", [0.0, 0.5, 1.0], 0, 4)
    assert "3.4" in prompt and "3 images" in prompt and "1.0 seconds" in prompt
    assert all(f"{s} = " in prompt for s in range(5))
    gait = build_prompt("gait", [0.0, 2.0], 0, 3)
    assert "3.10" in gait and "3 = " in gait and "4 = " not in gait
    with pytest.raises(ValueError, match="known tasks"):
        build_prompt("juggling", [0.0], 0, 4)
    with pytest.raises(ValueError, match="anchors"):
        check_label_range("gait", 0, 5)
    assert set(RUBRICS) == {"finger_tapping", "gait"}


# ------------------------------------------------------------------------- loading decisions


def test_load_plan_cpu_is_full_precision_without_quantisation() -> None:
    plan = load_plan("cpu")
    assert plan["kwargs"] == {"dtype": torch.float32} and plan["move_to"] == "cpu"
    assert load_plan("cpu", dtype="bfloat16")["dtype"] == torch.bfloat16
    assert load_plan("mps")["dtype"] == torch.float16
    with pytest.raises(ValueError, match="CUDA"):
        load_plan("cpu", quantization="4bit")
    with pytest.raises(ValueError, match="quantization"):
        load_plan("cpu", quantization="8bit")


@needs_transformers
def test_load_plan_cuda_is_4bit_nf4_with_bfloat16_compute() -> None:
    plan = load_plan("cuda")
    quant = plan["kwargs"]["quantization_config"]
    assert quant.load_in_4bit and quant.bnb_4bit_quant_type == "nf4"
    assert quant.bnb_4bit_compute_dtype == torch.bfloat16
    assert plan["kwargs"]["device_map"] == {"": 0} and plan["move_to"] is None
    assert "4-bit" in plan["description"]
    assert "quantization_config" not in load_plan("cuda", quantization="none")["kwargs"]


def test_choose_device_keeps_an_explicit_choice() -> None:
    assert choose_device("cpu") == "cpu"
    expected = "cuda" if torch.cuda.is_available() else None
    assert choose_device() in ({expected} if expected else {"mps", "cpu"})


def test_missing_model_is_a_clear_error_naming_the_path(
    tmp_path: Path, videos: pd.DataFrame
) -> None:
    absent = tmp_path / "no-such-model"
    with pytest.raises(ModelNotFoundError, match="no-such-model"):
        VLMScorer(model_path=str(absent)).predict(videos)
    with pytest.raises(ModelNotFoundError, match="model_path"):
        VLMScorer().predict(videos)


@needs_transformers
def test_hub_id_outside_the_local_cache_is_not_downloaded(
    tmp_path: Path, videos: pd.DataFrame
) -> None:
    with pytest.raises(ModelNotFoundError, match="nobody/absent-vlm"):
        VLMScorer(model_path="nobody/absent-vlm", cache_dir=str(tmp_path)).predict(videos)


@needs_transformers
def test_input_must_name_videos(models_dir: dict[str, Path]) -> None:
    with pytest.raises(ValueError, match="source"):
        VLMScorer(model_path=str(models_dir["random"])).predict(pd.DataFrame({"x": [1]}))


# ------------------------------------------------------------------------ the whole local path


@needs_transformers
def test_tiny_model_scores_every_video_with_a_status(
    models_dir: dict[str, Path], videos: pd.DataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hawkeye")
    scorer = VLMScorer(model_path=str(models_dir["random"]), n_frames=4, max_new_tokens=4)
    scorer.fit(videos, videos["label"].to_numpy())
    assert scorer.label_range_ == (0, 4)
    details = scorer.predict_details(videos)

    assert list(details.index) == list(videos.index)
    assert details["status"].isin(STATUSES).all()
    assert details.loc[2, "status"] == "video_error" and "broken.mp4" in details.loc[2, "error"]
    assert list(details["n_frames"]) == [4, 4, 0]
    score = details["score"].to_numpy(dtype=float)
    assert np.all(np.isnan(score) | ((score >= 0) & (score <= 4)))
    assert (details["status"] == "ok").eq(details["score"].notna()).all()
    assert "float32, on cpu" in caplog.text and "scored 3 video(s)" in caplog.text
    assert scorer.load_description_ == "float32, on cpu"

    summary = summarize_details(details)
    assert summary["n_videos"] == 3 and summary["status_video_error"] == 1
    assert sum(summary[f"status_{s}"] for s in STATUSES) == 3
    assert summary["coverage"] == details["score"].notna().mean()

    again = scorer.predict(videos)  # greedy: the same answers, the loaded model reused
    np.testing.assert_array_equal(again, score)
    # a registry pickles the configuration, not the weights
    restored = pickle.loads(pickle.dumps(scorer))
    assert not hasattr(restored, "model_") and restored.get_params() == scorer.get_params()


@needs_transformers
def test_forced_answers_reach_ok_and_out_of_range(
    models_dir: dict[str, Path], videos: pd.DataFrame
) -> None:
    two = videos.iloc[:2]
    one_token = VLMScorer(model_path=str(models_dir["forced"]), n_frames=3, max_new_tokens=1)
    details = one_token.fit(two).predict_details(two)
    assert list(details["answer"]) == [FORCED_DIGIT] * 2
    assert list(details["status"]) == ["ok", "ok"]
    assert summarize_details(details)["coverage"] == 1.0
    np.testing.assert_array_equal(one_token.predict(two), [3.0, 3.0])
    np.testing.assert_array_equal(one_token.predict_label(two), [3.0, 3.0])

    three_tokens = VLMScorer(model_path=str(models_dir["forced"]), n_frames=3, max_new_tokens=3)
    details = three_tokens.predict_details(two)
    assert list(details["answer"]) == [FORCED_DIGIT * 3] * 2
    assert list(details["status"]) == ["out_of_range"] * 2
    assert details["score"].isna().all() and (details["parsed"] == 333.0).all()


@needs_transformers
@pytest.mark.skipif(not torch.cuda.is_available(), reason="4-bit bitsandbytes needs a CUDA GPU")
def test_cuda_loads_the_model_in_4bit(models_dir: dict[str, Path], videos: pd.DataFrame) -> None:
    pytest.importorskip("bitsandbytes")
    scorer = VLMScorer(model_path=str(models_dir["forced"]), n_frames=3, max_new_tokens=1)
    details = scorer.predict_details(videos.iloc[:1])
    assert scorer.device_ == "cuda" and "4-bit NF4" in scorer.load_description_
    linear4 = [m for m in scorer.model_.modules() if type(m).__name__ == "Linear4bit"]
    assert linear4, "no layer was quantised"
    assert details["status"].isin(STATUSES).all()
