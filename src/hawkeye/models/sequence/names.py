"""Names and presets of the sequence models, importable without torch or Lightning.

``hawkeye.training`` reads these to route a ``ModelConfig.name`` to the sequence
estimators without paying for the torch import when a Random Forest is trained.
"""

from __future__ import annotations

from typing import Any

# Supervised architectures (hawkeye.models.sequence.nets) and the one-class autoencoder.
ARCHITECTURES = ("lstm_attention", "transformer", "conv_lstm", "tcn", "conv_bilstm", "stgcn")
# Architectures over the joint layout's bone graph (hawkeye.models.sequence.stgcn): every
# recording they read has one layout, the one they were trained on.
GRAPH_ARCHITECTURES = ("stgcn",)
ONE_CLASS = ("autoencoder",)
SEQUENCE_MODELS = ARCHITECTURES + ONE_CLASS

# Every training knob and its default; ``params`` of a SequenceModel overrides them.
DEFAULTS: dict[str, Any] = {
    "preset": "scratch",
    # input
    "max_len": 256,  # frames; longer recordings are resampled or cropped to it
    "length_policy": "resample",  # "resample" (keep the whole recording) or "crop" (centre)
    "velocity": True,
    "acceleration": False,
    # skeleton preprocessing (hawkeye.features.preprocess): frame / recording / none,
    # body / none, none / canonical (rotated about the vertical to face one way)
    "centre": "frame",
    "scale": "body",
    "view": "none",
    # network
    "hidden": 64,
    "layers": 2,  # recurrent/transformer layers; stgcn: graph blocks
    "dropout": 0.1,
    "heads": 4,  # transformer
    "kernel_size": 5,  # convolutional front-ends, TCN and stgcn's temporal convolutions
    "levels": 4,  # TCN residual blocks (dilations 1, 2, 4, ...)
    "latent": 16,  # autoencoder bottleneck
    # optimisation
    "batch_size": 32,
    "accumulate": 1,
    "lr": 1e-3,
    "weight_decay": 1e-2,
    "max_epochs": 60,
    "warmup": 0.1,  # share of the optimizer steps with a linear warmup, then cosine to 0
    "grad_clip": 1.0,
    "class_weights": True,  # inverse label frequency, in the loss
    "label_smoothing": 0.0,  # classification head only
    "mixup": 0.0,  # Beta(alpha, alpha) mixing of recordings and targets; 0 turns it off
    # training-time augmentation (hawkeye.models.sequence.augment), all off at 0: turn about
    # the vertical (+-degrees), scale (1 +- s), temporal crop (up to this share cut) and
    # time warp (local speed 1 +- w); never at validation or prediction
    "augment_rotation": 0.0,
    "augment_scale": 0.0,
    "augment_crop": 0.0,
    "augment_warp": 0.0,
    # validation and early stopping
    "val_fraction": 0.2,  # share of the training fold's SUBJECTS held out
    "patience": 10,
    # machinery
    "device": "auto",  # auto (cuda > mps > cpu), cuda, mps, cpu
    "mixed_precision": True,  # 16/bf16-mixed on CUDA; CPU and MPS train in 32 bit unless...
    "precision": None,  # ...a Lightning precision ("bf16-mixed", "16-mixed", "32-true") is named
    # a Lightning precision for CUDA only (what an environment profile sets, hawkeye.profiles):
    # on CPU/MPS the run trains in 32 bit and logs a warning; ``precision`` wins over it
    "gpu_precision": None,
    "deterministic": "warn",  # torch deterministic algorithms; "warn" never fails on GPUs
    "checkpoint_dir": None,  # a folder: checkpoints every N epochs and resume after a kill
    "checkpoint_every": 1,
    "init_checkpoint": None,  # fine-tune from these weights instead of a random start
    "num_workers": 0,
}

# A preset sets its keys unless ``params`` names them explicitly.
PRESETS: dict[str, dict[str, Any]] = {
    "scratch": {},
    "finetune": {"lr": 1e-4, "max_epochs": 10, "warmup": 0.0, "patience": 3},
}


def resolve_params(params: dict[str, Any] | None) -> dict[str, Any]:
    """Defaults, then the preset's values, then the caller's; unknown keys fail by name."""
    params = dict(params or {})
    unknown = sorted(set(params) - set(DEFAULTS))
    if unknown:
        raise ValueError(
            f"unknown sequence model parameter(s) {unknown}; known: {sorted(DEFAULTS)}"
        )
    preset = params.get("preset", DEFAULTS["preset"])
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; known: {sorted(PRESETS)}")
    from hawkeye.features.preprocess import check_params as check_preprocess

    resolved = {**DEFAULTS, **PRESETS[preset], **params}
    from hawkeye.models.sequence.augment import check_params as check_augment

    check_preprocess(resolved)
    check_augment(resolved)
    return resolved
