"""One Lightning run: device and precision, early stopping, checkpoints, resume, OOM retry.

A run with ``checkpoint_dir`` writes ``last.ckpt`` every ``checkpoint_every``
epochs into a folder keyed by everything that determines the result (the
caller's ``run_key``), so a killed process that calls ``fit`` again with the
same data and settings resumes from the last checkpoint and, with the same
seed, data order and restored random generators, ends with the weights an
uninterrupted run would have. A finished run leaves ``final.pt``; a repeat
``fit`` reads it instead of training again.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback, EarlyStopping, ModelCheckpoint
from torch.utils.data import DataLoader, Dataset

from hawkeye.models.sequence.data import EpochSampler, collate

log = logging.getLogger(__name__)
T = TypeVar("T")


def pick_device(requested: str = "auto") -> str:
    """``cuda`` when present, else ``mps`` (Apple), else ``cpu``; an explicit choice is kept."""
    if requested != "auto":
        return requested
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    return "mps" if mps is not None and mps.is_available() else "cpu"


def pick_precision(
    device: str, mixed: bool = True, explicit: str | None = None, gpu: str | None = None
) -> str:
    """bf16-mixed on CUDA cards that have it, else 16-mixed; 32 bit on CPU/MPS or when off.

    ``explicit`` (a Lightning precision string) wins: "bf16-mixed" on a CPU runs the same
    autocast path as a GPU, which is how the tests exercise it without one.
    ``gpu`` (``gpu_precision``, what an environment profile sets) is used on CUDA only
    (bf16 falls back to 16-mixed on a card without it); on CPU/MPS the run trains in 32 bit
    and says so in a warning.
    """
    if explicit is not None:
        return explicit
    if gpu is not None:
        if device != "cuda":
            log.warning(
                "gpu_precision %s applies on CUDA only; training on %s in 32 bit", gpu, device
            )
            return "32-true"
        if gpu == "bf16-mixed" and not torch.cuda.is_bf16_supported():
            log.warning("this GPU has no bf16; gpu_precision bf16-mixed -> 16-mixed")
            return "16-mixed"
        return gpu
    if device != "cuda" or not mixed:
        return "32-true"
    return "bf16-mixed" if torch.cuda.is_bf16_supported() else "16-mixed"


def is_oom(exc: BaseException) -> bool:
    oom = getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)
    return isinstance(exc, oom) or (
        isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()
    )


def with_oom_retry(
    run: Callable[[int, int], T], batch_size: int, accumulate: int
) -> tuple[T, int, int, int]:
    """``run(batch, accumulation)``; on out-of-memory halve the batch, double the accumulation.

    The effective batch (batch x accumulation) stays the same for even batch sizes.
    Returns the result, the batch and accumulation that worked, and the retries.
    """
    retries = 0
    while True:
        try:
            return run(batch_size, accumulate), batch_size, accumulate, retries
        except Exception as exc:
            if not is_oom(exc) or batch_size <= 1:
                raise
            new_batch, new_acc = batch_size // 2, accumulate * 2
            log.warning(
                "out of memory with batch %d x accumulation %d; retrying with batch %d x "
                "accumulation %d (effective batch %d -> %d)",
                batch_size, accumulate, new_batch, new_acc,
                batch_size * accumulate, new_batch * new_acc,
            )  # fmt: skip
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            batch_size, accumulate, retries = new_batch, new_acc, retries + 1


@contextmanager
def _quiet() -> Iterator[None]:
    """Lightning's advice that does not apply here (one process, in-memory data, no SLURM).

    Its per-run INFO lines (GPU available, tips) are held back too: ``fit_info_`` and
    this module's log say which device, precision and checkpoint a run used.
    """
    chatty = logging.getLogger("lightning.pytorch.utilities.rank_zero")
    level = chatty.level
    chatty.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            for text in (
                "does not have many workers",
                "smaller than the logging interval",
                "`srun` command is available",
                "but have no `val_dataloader`",
                "exists and is not empty",
                "isinstance\\(treespec, LeafSpec\\)",  # Lightning 2.6 on torch 2.13
            ):
                warnings.filterwarnings("ignore", f".*{text}.*")
            yield
    finally:
        chatty.setLevel(level)


class BestWeights(Callback):
    """Keeps the weights of the epoch with the lowest validation loss (or the last epoch)."""

    def __init__(self) -> None:
        self.best_loss = float("inf")
        self.best_epoch = -1
        self.state: dict[str, torch.Tensor] | None = None
        self.start_epoch = 0

    def on_train_start(self, trainer, pl_module) -> None:
        self.start_epoch = trainer.current_epoch

    def _keep(self, pl_module, epoch: int) -> None:
        self.state = {k: v.detach().cpu().clone() for k, v in pl_module.net.state_dict().items()}
        self.best_epoch = epoch

    def on_validation_end(self, trainer, pl_module) -> None:
        loss = trainer.callback_metrics.get("val_loss")
        if loss is not None and float(loss) < self.best_loss:
            self.best_loss = float(loss)
            self._keep(pl_module, trainer.current_epoch)

    def on_train_end(self, trainer, pl_module) -> None:
        if self.state is None:  # no validation split: the last weights
            self._keep(pl_module, trainer.current_epoch - 1)

    def state_dict(self) -> dict[str, Any]:
        return {"best_loss": self.best_loss, "best_epoch": self.best_epoch, "state": self.state}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.best_loss, self.best_epoch = state_dict["best_loss"], state_dict["best_epoch"]
        self.state = state_dict["state"]


class LossHistory(Callback):
    """Training and validation loss per epoch: the curves a person checks for over- or
    under-fitting. Kept in checkpoints, so a resumed run's history is whole."""

    def __init__(self) -> None:
        self.epochs: list[dict[str, float]] = []

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        metrics = trainer.callback_metrics
        row = {"epoch": float(trainer.current_epoch)}
        for key in ("train_loss", "val_loss"):
            if key in metrics:
                row[key] = float(metrics[key])
        self.epochs.append(row)

    def state_dict(self) -> dict[str, Any]:
        return {"epochs": list(self.epochs)}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.epochs = list(state_dict.get("epochs", []))


def _trainer(
    p: dict[str, Any],
    device: str,
    precision: str,
    accumulate: int,
    callbacks: list[Callback],
    run_dir: Path | None,
) -> L.Trainer:
    with _quiet():
        return L.Trainer(
            accelerator=device,
            devices=1,
            precision=precision,  # type: ignore[arg-type]
            max_epochs=p["max_epochs"],
            gradient_clip_val=p["grad_clip"] or None,
            accumulate_grad_batches=accumulate,
            deterministic=p["deterministic"],
            callbacks=callbacks,
            logger=False,
            enable_checkpointing=run_dir is not None,
            enable_progress_bar=False,
            enable_model_summary=False,
            num_sanity_val_steps=0,  # a sanity pass would draw from the RNG before a resume
            log_every_n_steps=1,
            default_root_dir=run_dir,
        )


def _checkpointing(folder: Path, every: int) -> tuple[ModelCheckpoint, Path | None]:
    """``last.ckpt`` every ``every`` epochs, and the one to resume from if a run left one."""
    ckpt = ModelCheckpoint(
        folder,
        filename="last",
        every_n_epochs=every,
        save_top_k=1,
        enable_version_counter=False,
        # at the very end of an epoch (after validation and early stopping), so a resumed run
        # starts a fresh epoch; saving at validation end would resume inside the old one
        save_on_train_epoch_end=True,
    )
    last = folder / "last.ckpt"
    return ckpt, last if last.is_file() else None


def train(
    make_module: Callable[[], L.LightningModule],
    train_set: Dataset,
    val_set: Dataset | None,
    p: dict[str, Any],
    seed: int,
    run_dir: Path | None = None,
    callbacks: Sequence[Callback] = (),
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Train; return the best network weights and what the run did (``fit_info_``)."""
    final = run_dir / "final.pt" if run_dir is not None else None
    if final is not None and final.is_file():
        saved = torch.load(final, weights_only=True)
        log.info("run %s finished before; its weights are reused", run_dir)
        return saved["state"], {**saved["info"], "reused": str(final)}
    device = pick_device(p["device"])
    precision = pick_precision(device, p["mixed_precision"], p["precision"], p.get("gpu_precision"))

    def attempt(batch_size: int, accumulate: int) -> dict[str, Any]:
        L.seed_everything(seed, workers=True, verbose=False)
        module = make_module()
        best, history = BestWeights(), LossHistory()
        cbs: list[Callback] = [best, history, *callbacks]
        if val_set is not None:
            cbs.append(EarlyStopping("val_loss", patience=p["patience"], mode="min"))
        resume = None
        if run_dir is not None:
            folder = run_dir / f"b{batch_size}x{accumulate}"
            ckpt, resume = _checkpointing(folder, p["checkpoint_every"])
            cbs.append(ckpt)
            if resume is not None:
                log.info("resuming from %s", resume)
        log.info("training on %s (%s), batch %d x %d", device, precision, batch_size, accumulate)
        trainer = _trainer(p, device, precision, accumulate, cbs, run_dir)
        loader = DataLoader(
            train_set,
            batch_size=batch_size,
            sampler=EpochSampler(
                len(train_set), seed, with_epoch=getattr(train_set, "augmented", False)
            ),
            collate_fn=collate,
            num_workers=p["num_workers"],
        )
        val_loader = None
        if val_set is not None:
            val_loader = DataLoader(val_set, batch_size=batch_size, collate_fn=collate)
        was = torch.are_deterministic_algorithms_enabled()
        was_warn = torch.is_deterministic_algorithms_warn_only_enabled()
        start = time.perf_counter()
        try:
            with _quiet():
                trainer.fit(module, loader, val_loader, ckpt_path=resume, weights_only=True)
        finally:
            torch.use_deterministic_algorithms(was, warn_only=was_warn)
        wall = time.perf_counter() - start
        epochs = trainer.current_epoch - best.start_epoch
        return {
            "state": best.state,
            "device": device,
            "precision": precision,
            "epochs": trainer.current_epoch,
            "epochs_this_call": epochs,
            "best_epoch": best.best_epoch,
            "best_val_loss": best.best_loss if val_set is not None else None,
            "resumed_from": str(resume) if resume else None,
            "wall_s": wall,
            "samples_per_s": len(train_set) * epochs / wall if wall > 0 else float("nan"),
            "history": history.epochs,
        }

    out, batch, acc, retries = with_oom_retry(attempt, p["batch_size"], p["accumulate"])
    state = out.pop("state")
    info = {
        **out,
        "batch_size": batch,
        "accumulate": acc,
        "effective_batch": batch * acc,
        "oom_retries": retries,
        "num_workers": p["num_workers"],
        "n_train": len(train_set),
        "n_val": len(val_set) if val_set is not None else 0,
    }
    if final is not None:
        torch.save({"state": state, "info": info}, final)
    return state, info
