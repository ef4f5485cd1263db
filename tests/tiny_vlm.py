"""A tiny random LLaVA and tiny videos: the zero-shot scorer's whole path, offline, in seconds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

FORCED_DIGIT = "3"  # token id 0 of the tiny vocabulary: what a zeroed lm_head always picks


def write_video(path: Path, n_frames: int = 12, size: tuple[int, int] = (64, 48)) -> Path:
    """A short mp4 of a white square moving across a dark frame."""
    import cv2

    w, h = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (w, h))
    assert writer.isOpened()
    for i in range(n_frames):
        frame = np.full((h, w, 3), 30, np.uint8)
        x = (4 * i) % (w - 10)
        frame[10:20, x : x + 10] = 255
        writer.write(frame)
    writer.release()
    return path


def build_tiny_llava(folder: Path, zero_head: bool = False) -> Path:
    """A LLaVA model and processor small enough to run in a second, saved like a real one."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import (
        CLIPVisionConfig,
        LlamaConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaProcessor,
        PreTrainedTokenizerFast,
    )
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    # Byte-level BPE without merges: every byte is a token, digits first (id 0 is "3").
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    digits = [FORCED_DIGIT, *(d for d in "0123456789" if d != FORCED_DIGIT)]
    vocab = {c: i for i, c in enumerate(digits + [c for c in alphabet if c not in digits])}
    core = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    core.add_special_tokens(["<s>", "</s>", "<pad>", "<image>"])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token="<s>", eos_token="</s>", pad_token="<pad>"
    )
    template = (
        "{% for m in messages %}<s>{{ m['role'] }}: "
        "{% if m['content'] is string %}{{ m['content'] }}{% else %}"
        "{% for c in m['content'] %}{% if c['type'] == 'image' %}<image>"
        "{% elif c['type'] == 'text' %}{{ c['text'] }}{% endif %}{% endfor %}{% endif %}"
        "</s>\n{% endfor %}{% if add_generation_prompt %}assistant: {% endif %}"
    )
    processor = LlavaProcessor(
        image_processor=CLIPImageProcessorPil(
            size={"shortest_edge": 28}, crop_size={"height": 28, "width": 28}
        ),
        tokenizer=tokenizer,
        chat_template=template,
        patch_size=14,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,  # CLS, dropped by the "default" strategy
    )
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in ("</s>", "<pad>", "<image>")}
    config = LlavaConfig(
        vision_config=CLIPVisionConfig(
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=2,
            image_size=28,
            patch_size=14,
        ),
        text_config=LlamaConfig(
            vocab_size=len(tokenizer),
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            max_position_embeddings=4096,
            eos_token_id=ids["</s>"],
            pad_token_id=ids["<pad>"],
        ),
        image_token_id=ids["<image>"],
        vision_feature_select_strategy="default",
        vision_feature_layer=-1,
    )
    torch.manual_seed(0)
    model = LlavaForConditionalGeneration(config)
    if zero_head:  # all logits equal: greedy decoding picks token 0 every step
        with torch.no_grad():
            model.lm_head.weight.zero_()
    model.generation_config.eos_token_id = ids["</s>"]
    model.generation_config.pad_token_id = ids["<pad>"]
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


def write_clinic(project: Path, n_videos: int = 6, n_frames: int = 8) -> dict:
    """A small video dataset in ``data/raw/clinic`` (one patient a video, scores 0-4) and the
    run configuration's ``dataset`` and ``split`` blocks that read it."""
    import pandas as pd

    clips = project / "data" / "raw" / "clinic"
    clips.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n_videos):
        write_video(clips / f"v{i}.mp4", n_frames=n_frames)
        rows.append({"video": f"v{i}.mp4", "patient": f"P{i}", "score": i % 5})
    pd.DataFrame(rows).to_csv(clips / "scores.csv", index=False)
    return {
        "dataset": {
            "name": "clinic",
            "kind": "videos",
            "path": "data/raw/clinic/scores.csv",
            "columns": {"video": "source", "patient": "subject_id", "score": "label"},
        },
        "split": {"strategy": "group_kfold", "n_splits": 3},
    }
