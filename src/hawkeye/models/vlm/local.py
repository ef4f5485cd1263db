"""Zero-shot scoring of motor videos by a local vision-language model.

``VLMScorer`` shows a local Qwen2-VL or LLaVA-family model N frames of each
video and the task's rubric, generates a short answer greedily and reads the
score from it (``hawkeye.models.vlm.answers``); the rest of the contract is
:class:`hawkeye.models.vlm.base.VideoScorer`'s.

Weights load from a local folder or the local Hugging Face cache only
(``local_files_only=True``): nothing is downloaded at run time. On CUDA the
model is quantised to 4-bit NF4 with bitsandbytes (bfloat16 compute); on MPS
it runs in float16 and on CPU in float32, unless ``quantization``/``dtype``
say otherwise.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hawkeye.errors import HawkeyeError
from hawkeye.models.vlm.base import VideoScorer
from hawkeye.models.vlm.frames import SampledFrames

log = logging.getLogger(__name__)


class ModelNotFoundError(HawkeyeError, FileNotFoundError):
    """No local copy of the model: the message names the path and how to provide it."""


def choose_device(preference: str = "auto") -> str:
    """``cuda`` when available, else Apple's ``mps``, else ``cpu``; an explicit choice is kept."""
    if preference != "auto":
        return preference
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def load_plan(device: str, quantization: str = "auto", dtype: str = "auto") -> dict[str, Any]:
    """``from_pretrained`` keyword arguments and a one-line description of how the model runs."""
    import torch

    if quantization not in ("auto", "4bit", "none"):
        raise ValueError(f"quantization must be auto, 4bit or none, not {quantization!r}")
    on_cuda = device.startswith("cuda")
    four_bit = quantization == "4bit" or (quantization == "auto" and on_cuda)
    if four_bit and not on_cuda:
        raise ValueError(f"4-bit quantisation (bitsandbytes) needs a CUDA device, not {device!r}")
    if dtype == "auto":
        dtype = "bfloat16" if on_cuda else "float16" if device == "mps" else "float32"
    torch_dtype = getattr(torch, dtype, None)
    if not isinstance(torch_dtype, torch.dtype):
        raise ValueError(f"unknown dtype {dtype!r}")
    if four_bit:
        from transformers import BitsAndBytesConfig

        quant = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_compute_dtype=torch_dtype,
            bnb_4bit_quant_type="nf4",
        )
        place = {"": torch.device(device).index or 0}
        return {
            "kwargs": {"quantization_config": quant, "dtype": torch_dtype, "device_map": place},
            "dtype": torch_dtype,
            "move_to": None,
            "description": f"4-bit NF4 (bitsandbytes), {dtype} compute, on {device}",
        }
    return {
        "kwargs": {"dtype": torch_dtype},
        "dtype": torch_dtype,
        "move_to": device,
        "description": f"{dtype}, on {device}",
    }


def _looks_like_path(name: str) -> bool:
    return name.startswith((".", "/", "~")) or "\\" in name or name.count("/") != 1


class VLMScorer(VideoScorer):
    """A local vision-language model that rates each video against the task's rubric.

    ``model_path`` is a local folder (``save_pretrained`` output or a downloaded
    snapshot) or a hub id already in the local cache (``cache_dir`` or the
    default). Qwen2-VL's processor needs torchvision in transformers 5; LLaVA-
    family processors do not.
    """

    def __init__(
        self,
        model_path: str = "",
        task: str = "finger_tapping",
        n_frames: int = 8,
        max_side: int | None = 448,
        max_new_tokens: int = 16,
        device: str = "auto",
        quantization: str = "auto",
        dtype: str = "auto",
        cache_dir: str | None = None,
        min_label: int = 0,
        max_label: int = 4,
    ) -> None:
        self.model_path = model_path
        self.task = task
        self.n_frames = n_frames
        self.max_side = max_side
        self.max_new_tokens = max_new_tokens
        self.device = device
        self.quantization = quantization
        self.dtype = dtype
        self.cache_dir = cache_dir
        self.min_label = min_label
        self.max_label = max_label

    def __getstate__(self) -> dict[str, Any]:
        """Pickles (e.g. to a model registry) hold the configuration, not the loaded weights."""
        state = dict(self.__dict__)
        for key in ("model_", "processor_"):
            state.pop(key, None)
        return state

    def _source(self) -> str:
        if not self.model_path:
            raise ModelNotFoundError("VLMScorer needs model_path: a local model folder or hub id")
        local = Path(self.model_path).expanduser()
        if local.is_dir():
            return str(local)
        if _looks_like_path(self.model_path):
            raise ModelNotFoundError(
                f"no model folder at {self.model_path!r} (resolved: {local.resolve()}); "
                "copy the model there first (e.g. `hf download Qwen/Qwen2-VL-2B-Instruct "
                "--local-dir PATH`): hawkeye never downloads weights at run time"
            )
        return self.model_path

    def _prepare(self) -> None:
        if getattr(self, "model_", None) is not None:
            return
        source = self._source()
        try:
            from transformers import AutoModelForImageTextToText, AutoProcessor
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise ImportError("VLMScorer needs transformers: pip install -e '.[vlm]'") from exc

        device = choose_device(self.device)
        plan = load_plan(device, self.quantization, self.dtype)
        log.info("VLMScorer: loading %s as %s", source, plan["description"])
        common = {"local_files_only": True, "cache_dir": self.cache_dir}
        try:
            processor = AutoProcessor.from_pretrained(source, **common)
            model = AutoModelForImageTextToText.from_pretrained(source, **common, **plan["kwargs"])
        except OSError as exc:
            raise ModelNotFoundError(
                f"cannot load {self.model_path!r} from local files only (folder or Hugging Face "
                f"cache{' ' + self.cache_dir if self.cache_dir else ''}): {exc}. Download it "
                "beforehand; hawkeye never downloads weights at run time"
            ) from exc
        except ImportError as exc:
            raise ImportError(
                f"the processor or model of {self.model_path!r} needs a package that is "
                f"missing: {exc} (Qwen2-VL processors need torchvision)"
            ) from exc
        if plan["move_to"] is not None:
            model = model.to(plan["move_to"])
        model.eval()
        self.processor_ = processor
        self.model_ = model
        self.device_ = device
        self.input_dtype_ = plan["dtype"]
        self.load_description_ = plan["description"]

    def _answer(self, frames: SampledFrames, prompt: str) -> str:
        import torch
        from PIL import Image

        content: list[dict[str, Any]] = []
        for caption in self.frame_captions(frames):
            content += [{"type": "text", "text": caption}, {"type": "image"}]
        content.append({"type": "text", "text": prompt})
        messages = [{"role": "user", "content": content}]
        text = self.processor_.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=False
        )
        images = [Image.fromarray(img) for img in frames.images]
        inputs = self.processor_(text=[text], images=images, return_tensors="pt")
        device = self.model_.device
        inputs = {
            k: (v.to(device, self.input_dtype_) if v.is_floating_point() else v.to(device))
            if isinstance(v, torch.Tensor)
            else v
            for k, v in inputs.items()
        }
        tokenizer = getattr(self.processor_, "tokenizer", self.processor_)
        pad = tokenizer.pad_token_id
        with torch.inference_mode():
            out = self.model_.generate(
                **inputs,
                max_new_tokens=self.max_new_tokens,
                do_sample=False,
                num_beams=1,  # greedy: the same video gets the same answer
                pad_token_id=pad if pad is not None else tokenizer.eos_token_id,
            )
        new = out[:, inputs["input_ids"].shape[1] :]
        return tokenizer.batch_decode(new, skip_special_tokens=True)[0].strip()
