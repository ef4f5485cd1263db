"""The report's plots, drawn with matplotlib (Agg) and returned as inline SVG data URIs."""

# ruff: noqa: RUF001  (text for readers: en dashes, multiplication and minus signs)

from __future__ import annotations

import base64
import io
import math
from contextlib import contextmanager
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from hawkeye.report.signals import GaitSignal, ParkSignal, gait_summary, tap_summary

BLUE, RED, ORANGE, GREY, GREEN = "#1f5fa8", "#c0392b", "#e67e22", "#9aa0a6", "#2e7d32"
_STYLE = {
    "svg.fonttype": "none",  # text stays text: smaller files, the page's own font
    "svg.hashsalt": "hawkeye",  # the same figure gives the same file
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
}


@contextmanager
def _style() -> Any:
    with plt.rc_context(_STYLE):
        yield


def svg_uri(fig: Any) -> str:
    """A figure as a ``data:image/svg+xml;base64`` URI (the figure is closed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _legend_above(ax: Any, columns: int) -> None:
    """The legend in one row above the plot, where it hides no data."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=8, ncols=columns,
                  frameon=False, borderaxespad=0.2)  # fmt: skip


def _note(ax: Any, text: str) -> None:
    ax.text(
        0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center",
        fontsize=11, color=RED, bbox={"facecolor": "white", "edgecolor": RED},
    )  # fmt: skip


# --- finger tapping -----------------------------------------------------------------------


def tapping_angle(signal: ParkSignal) -> str:
    """The thumb-index angle over time, the counted taps marked and numbered."""
    summary = tap_summary(signal)
    with _style():
        fig, ax = plt.subplots(figsize=(9.5, 3.0))
        whole = signal.recording_angle_deg
        t_all = np.arange(whole.size) * signal.frame_s
        if signal.angle_deg.size < whole.size:
            ax.plot(t_all, whole, color=GREY, lw=1, label="outside the analysed stretch")
        if signal.angle_deg.size:
            ax.plot(signal.times_s, signal.angle_deg, color=BLUE, lw=1.5, label="opening angle")
        if signal.n_taps:
            t, a = signal.times_s[signal.peaks], signal.amplitudes
            ax.plot(t, a, "o", color=RED, ms=5, label="counted tap", zorder=3)
            if signal.n_taps <= 40:
                for k, (x, y) in enumerate(zip(t, a, strict=True), start=1):
                    ax.annotate(
                        str(k), (x, y), xytext=(0, 4), textcoords="offset points",
                        ha="center", va="bottom", fontsize=7, color=RED,
                    )  # fmt: skip
            if summary.longest_after >= 0 and summary.gap_stands_out:
                k = summary.longest_after
                ax.axvspan(t[k], t[k + 1], color=ORANGE, alpha=0.18, lw=0,
                           label=f"longest gap ({summary.longest_period:.2f} s)")  # fmt: skip
        else:
            _note(ax, "no taps found")
        ax.set_xlabel("time in the recording (s)")
        ax.set_ylabel("thumb-index opening (°)")
        ax.set_xlim(0, max(t_all[-1] if t_all.size else 1.0, 1e-3))
        ax.set_ylim(bottom=0)
        top = np.nanmax(whole) if np.isfinite(whole).any() else 90.0
        ax.set_ylim(0, max(10.0, float(top)) * 1.18)
        _legend_above(ax, 4)
        return svg_uri(fig)


def tapping_per_tap(signal: ParkSignal) -> str:
    """Amplitude of each tap (with its trend) and the time since the previous tap."""
    summary = tap_summary(signal)
    with _style():
        fig, (left, right) = plt.subplots(1, 2, figsize=(9.5, 2.9))
        n = signal.n_taps
        taps = np.arange(1, n + 1)
        left.set_title("Amplitude of each tap")
        left.set_xlabel("tap")
        left.set_ylabel("opening angle at the tap (°)")
        right.set_title("Time since the previous tap")
        right.set_xlabel("tap")
        right.set_ylabel("seconds")
        if n < 2:
            _note(left, "no taps found")
            _note(right, "no taps found")
            return svg_uri(fig)
        amps = signal.amplitudes
        left.plot(taps, amps, "-o", color=BLUE, ms=4)
        slope, intercept = np.polyfit(taps, amps, 1)
        left.plot(taps, slope * taps + intercept, "--", color=GREY, lw=1, label="trend")
        change = summary.amplitude_change
        text = f"first {summary.first_amplitude:.0f}°, last {summary.last_amplitude:.0f}°"
        if math.isfinite(change):
            text += f" ({change:+.0%})"
        left.annotate(text, (0.02, 0.04), xycoords="axes fraction", fontsize=8.5,
                      color=RED if change <= -0.2 else "black",
                      bbox={"facecolor": "white", "edgecolor": GREY, "alpha": 0.9})  # fmt: skip
        for k in (0, n - 1):
            left.plot(taps[k], amps[k], "o", color=RED, ms=6, zorder=3)
        left.set_ylim(0, max(float(amps.max()) * 1.2, 10.0))
        left.legend(loc="upper right", fontsize=8, frameon=False)

        gaps = signal.periods
        marked = summary.longest_after if summary.gap_stands_out else -1
        colours = [ORANGE if k == marked else BLUE for k in range(gaps.size)]
        right.bar(taps[1:], gaps, color=colours, width=0.7)
        right.axhline(summary.median_period, color=GREY, ls="--", lw=1,
                      label=f"median {summary.median_period:.2f} s")  # fmt: skip
        if marked >= 0:
            right.annotate(
                f"longest {summary.longest_period:.2f} s", (taps[marked + 1], gaps[marked]),
                xytext=(0, 3), textcoords="offset points", ha="center", fontsize=8, color=ORANGE,
            )  # fmt: skip
        right.set_ylim(0, float(gaps.max()) * 1.3)
        right.legend(loc="upper left", fontsize=8, frameon=False)
        for ax in (left, right):
            ax.set_xlim(0.4, n + 0.6)
            ax.xaxis.get_major_locator().set_params(integer=True)
        fig.tight_layout()
        return svg_uri(fig)


# --- gait ---------------------------------------------------------------------------------


def gait_steps(signal: GaitSignal) -> str:
    """Fore-aft ankle separation over time, each step marked; pauses shaded."""
    with _style():
        fig, ax = plt.subplots(figsize=(9.5, 3.0))
        if signal.separation.size:
            ax.plot(signal.times_s, signal.separation, color=BLUE, lw=1.5,
                    label="left ankle ahead (+) / right ankle ahead (−)")  # fmt: skip
            if signal.n_steps:
                ax.plot(signal.times_s[signal.step_frames], signal.separation[signal.step_frames],
                        "o", color=RED, ms=5, label="step (heel strike)", zorder=3)  # fmt: skip
            t = signal.step_times_s
            for k in np.flatnonzero(~signal.walking):
                ax.axvspan(t[k], t[k + 1], color=ORANGE, alpha=0.2, lw=0)
            ax.axhline(0, color=GREY, lw=0.8)
        else:
            _note(ax, signal.reason or "no steps found")
        if signal.separation.size and not signal.n_steps:
            _note(ax, "no steps found")
        ax.set_xlabel("time in the recording (s)")
        ax.set_ylabel("ankle separation (leg lengths)")
        _legend_above(ax, 2)
        return svg_uri(fig)


def gait_per_step(signal: GaitSignal) -> str:
    """Cadence (from each step interval) and stride of each step over time."""
    summary = gait_summary(signal)
    with _style():
        fig, (left, right) = plt.subplots(1, 2, figsize=(9.5, 2.9))
        left.set_title("Cadence, step by step")
        left.set_ylabel("steps per minute")
        right.set_title("Stride of each step")
        right.set_ylabel("ankle travel (leg lengths)")
        for ax in (left, right):
            ax.set_xlabel("time in the recording (s)")
        if signal.step_intervals_s.size == 0:
            _note(left, "too few steps")
            _note(right, "too few steps")
            return svg_uri(fig)
        t = signal.step_times_s[1:]
        cadence = 60.0 / signal.step_intervals_s
        colours = [BLUE if w else ORANGE for w in signal.walking]
        left.scatter(t, cadence, c=colours, s=18, zorder=3)
        left.plot(t, cadence, color=BLUE, lw=1, alpha=0.6)
        if math.isfinite(summary.cadence):
            left.axhline(summary.cadence, color=GREY, ls="--", lw=1,
                         label=f"cadence {summary.cadence:.0f} steps/min")  # fmt: skip
            left.legend(loc="lower right", fontsize=8, frameon=False)
        left.set_ylim(bottom=0)
        right.plot(t, signal.stride_amplitude, "-o", color=BLUE, ms=4)
        right.axhline(summary.median_stride, color=GREY, ls="--", lw=1,
                      label=f"median {summary.median_stride:.2f}")  # fmt: skip
        right.set_ylim(bottom=0)
        right.legend(loc="lower right", fontsize=8, frameon=False)
        fig.tight_layout()
        return svg_uri(fig)


def gait_arms(signal: GaitSignal, features: dict[str, Any] | None = None) -> str:
    """Each wrist's fore-aft position relative to its shoulder over time."""
    features = features or {}
    with _style():
        fig, ax = plt.subplots(figsize=(9.5, 2.6))
        if not signal.arm_left.size:
            _note(ax, signal.reason or "arm swing not measurable")
            return svg_uri(fig)
        for arm, name, colour in (
            (signal.arm_left, "left", ORANGE),
            (signal.arm_right, "right", "#0097a7"),
        ):
            swing = features.get(f"gait_arm_swing_{name}")
            label = f"{name} wrist" + (f" (swing {float(swing):.2f} arm lengths)" if swing else "")
            ax.plot(signal.times_s, arm, color=colour, lw=1.5, label=label)
        ax.axhline(0, color=GREY, lw=0.8)
        ax.set_xlabel("time in the recording (s)")
        ax.set_ylabel("wrist vs shoulder (arm lengths)")
        _legend_above(ax, 2)
        return svg_uri(fig)
