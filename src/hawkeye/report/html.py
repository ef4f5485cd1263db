"""One scored (or refused) video as one self-contained HTML page a clinician can read.

The page needs nothing at view time: CSS is inline, plots are SVG and key frames JPEG,
both as ``data:`` URIs, and there is no script. Every piece of text from the report is
escaped. Sections, top to bottom: the score and what it means on the MDS-UPDRS scale (or
why there is none); whether it can be trusted; the model; the movement the score was
computed from; key frames with the landmarks drawn; quality control; the feature values.
"""

# ruff: noqa: RUF001, RUF002  (text for readers: en dashes, multiplication and minus signs)

from __future__ import annotations

import datetime as _dt
import html
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hawkeye.applicability import CONDITION_WORDS
from hawkeye.landmarks.sequence import LandmarkSequence
from hawkeye.report import figures
from hawkeye.report.frames import key_frames
from hawkeye.report.signals import (
    STANDS_OUT,
    GaitSignal,
    ParkSignal,
    gait_summary,
    key_frame_indices,
    movement_signal,
    tap_summary,
)

GRADES = {0: "normal", 1: "slight", 2: "mild", 3: "moderate", 4: "severe"}
TASKS = {
    "finger_tapping": "Finger tapping (MDS-UPDRS part III, item 3.4)",
    "gait": "Gait (MDS-UPDRS part III, item 3.10)",
}
SYNTHETIC_WARNING = "Trained on generated (synthetic) data: not a clinical score."

VERDICTS = {
    "inside": (
        "Inside the training data",
        "This recording resembles the recordings the model was trained on, so the score "
        "can be read at face value, within its interval.",
    ),
    "flagged": (
        "Flagged: check before relying on the score",
        "Something about this recording is unlike the recordings the model was trained on "
        "(listed below). Watch the video and look at the movement plots before using the "
        "score.",
    ),
    "refused": (
        "Refused: no score",
        "This recording is too far from what the model learnt from, or could not be "
        "measured, for a score to mean anything.",
    ),
    "not assessed": (
        "Not assessed",
        "The model carries no description of its training data, so nobody checked whether "
        "this recording resembles it. Treat the score with caution.",
    ),
}
METRICS = {
    "mae": ("average error", "points on the 0–4 scale; lower is better", "{:.2f}"),
    "exact_acc": ("exact grade", "share of recordings given the rater's grade", "{:.0%}"),
    "within1_acc": ("within one grade", "share within one grade of the rater", "{:.0%}"),
    "pearson": ("agreement with the rater", "Pearson correlation; 1 is perfect", "{:.2f}"),
}
BASELINES = {
    "majority": "always the most common grade",
    "mean": "always the average grade",
}
# What a feature measures, by name prefix (the first match wins).
FEATURE_GLOSS = (
    ("wrist_mvmnt_", "wrist movement during the taps (wrist-to-thumb-base lengths per s)"),
    ("aperiodicity_", "irregularity of the movement (spectral entropy; higher: less regular)"),
    ("periodEntropy_", "spread of the times between taps (entropy, 0–1)"),
    ("period_entropy_", "spread of the times between taps (entropy, 0–1)"),
    ("periodVarianceNorm_", "variability of the times between taps"),
    ("numInterruptions_", "hesitations: ≥ 0.2 s with the fingers nearly still"),
    ("numFreeze_", "halts: ≥ 0.3 s with the fingers nearly still"),
    ("maxFreezeDuration_", "longest halt (s)"),
    ("period_", "time between taps (s)"),
    ("frequency_lr_", "trend of the tapping rate over the taps"),
    ("frequency_fit_min_degree_", "how uneven the tapping rate's course is"),
    ("frequency_", "tapping rate (taps per s)"),
    ("amplitude_decrement_", "shrinking of the taps over the recording (decrement)"),
    ("amplitude_entropy_", "spread of the tap sizes (entropy, 0–1)"),
    ("amplitude_", "opening angle at each tap (°)"),
    ("num_peaks_", "taps counted"),
    ("num_interruptions_norm_", "hesitations per tap"),
    ("num_freeze_norm_", "halts per tap"),
    ("speed_", "speed of opening and closing (°/s)"),
    ("acceleration_", "acceleration of opening and closing (°/s²)"),
    ("gait_n_steps", "steps counted"),
    ("gait_cadence", "steps per minute"),
    ("gait_step_time_", "time per step (s)"),
    ("gait_stride_amplitude_", "stride of each step (leg lengths)"),
    ("gait_arm_swing_", "arm swing (arm lengths; asymmetry 0: both arms alike)"),
    ("gait_trunk_sway_", "trunk rocking over the pelvis (torso lengths)"),
    ("gait_freeze_", "time without stepping (freezing)"),
)

# The statistic a feature name ends in (before _denoised / _trimmed), in words.
STAT_GLOSS = {
    "median": "median",
    "quartile_range": "spread (interquartile range)",
    "mean": "mean",
    "min": "smallest",
    "max": "largest",
    "stdev": "variability (standard deviation)",
}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
 color:#1d2430;background:#f4f5f7;margin:0;line-height:1.45;font-size:15px}
main{max-width:1000px;margin:0 auto;padding:20px 24px 40px;background:#fff}
h1{font-size:22px;margin:0 0 4px} h2{font-size:18px;margin:28px 0 8px;
 border-bottom:2px solid #e3e6ea;padding-bottom:4px} h3{font-size:15px;margin:16px 0 6px}
.muted{color:#5f6b7a;font-size:13px} .small{font-size:13px}
.headline{border:1px solid #d5dae1;border-radius:8px;padding:14px 18px;margin-top:12px}
.score-row{display:flex;gap:22px;align-items:center}
.score-row>div:last-child{flex:1}
.score-value{font-size:52px;font-weight:700;line-height:1;color:#1f5fa8}
.score-words{font-size:17px} .grade{font-weight:700}
.interval{font-size:16px;margin-top:6px}
.refused-box{border:2px solid #c0392b;background:#fdecea;border-radius:8px;padding:14px 18px;
 margin-top:12px} .refused-box h2{border:0;margin:0 0 6px;color:#c0392b}
.reason{font-size:16px;font-weight:600}
.warn{border:2px solid #c0392b;background:#fdecea;color:#7b1d14;border-radius:6px;
 padding:10px 14px;margin:12px 0;font-weight:600}
.badge{display:inline-block;padding:4px 12px;border-radius:14px;font-weight:700;color:#fff;
 font-size:14px;margin-right:8px}
.badge-inside{background:#2e7d32} .badge-flagged{background:#d9822b}
.badge-refused{background:#c0392b} .badge-not-assessed{background:#6b7785}
ul.reasons li{margin:3px 0}
table{border-collapse:collapse;margin:6px 0 10px;font-size:14px}
th,td{border:1px solid #dfe3e8;padding:4px 9px;text-align:left;vertical-align:top}
th{background:#f1f3f6} td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#2e7d32;font-weight:600} .bad{color:#c0392b;font-weight:600}
.na{color:#6b7785}
figure{margin:10px 0 16px} figure img{max-width:100%;height:auto}
figure img.plot{width:100%}
figcaption{font-size:13.5px;color:#333}
.frames{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:12px}
.frames-4{grid-template-columns:repeat(4,minmax(0,1fr))}
.frames figure{margin:0} .frames img{width:100%;height:auto;border-radius:4px}
.bars td.bar{width:320px} .bar span{display:inline-block;height:12px;background:#1f5fa8;
 border-radius:2px;vertical-align:middle}
details{margin-top:6px} summary{cursor:pointer;font-weight:600}
footer{margin-top:30px;font-size:12.5px;color:#5f6b7a;border-top:1px solid #e3e6ea;
 padding-top:8px}
@media print{body{background:#fff} main{max-width:none}}
"""


# --- small helpers ------------------------------------------------------------------------


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _finite(value: Any) -> bool:
    try:
        return value is not None and not isinstance(value, bool) and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def fmt(value: Any, spec: str = "{:.3g}", missing: str = "—") -> str:
    """A number for a reader, or ``missing``; non-numbers as text (escaped by callers)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not _finite(value):
        return missing if value is None or isinstance(value, (int, float)) else str(value)
    number = float(value)
    if spec == "{:.3g}" and 1e3 <= abs(number) < 1e7:
        return f"{number:.0f}"
    return spec.format(number)


def grade_words(value: float) -> str:
    """'between 1 (slight) and 2 (mild)', or 'at grade 2 (mild)' for a whole number."""
    low, high = math.floor(value), math.ceil(value)
    low, high = max(0, min(4, low)), max(0, min(4, high))
    if low == high or abs(value - round(value)) < 0.05:
        g = max(0, min(4, round(value)))
        return f"at grade {g} ({GRADES[g]})"
    return f"between {low} ({GRADES[low]}) and {high} ({GRADES[high]})"


def _coverage(note: str) -> str:
    match = re.search(r"(\d+(?:\.\d+)?)\s*%", note or "")
    return f"{match.group(1)} % coverage" if match else "coverage not stated"


def _table(header: Iterable[str], rows: Iterable[Iterable[str]], cls: str = "") -> str:
    """A table; cells are HTML already (escape before)."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(rows_cell for rows_cell in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _td(text: str, num: bool = False, cls: str = "") -> str:
    classes = " ".join(c for c in ("num" if num else "", cls) if c)
    return f'<td class="{classes}">{text}</td>' if classes else f"<td>{text}</td>"


def _img(uri: str, alt: str) -> str:
    return f'<img class="plot" src="{uri}" alt="{esc(alt)}">'


def verdict_of(report: dict[str, Any]) -> tuple[str, list[str]]:
    """The applicability verdict and its reasons; a video refused before the model was
    asked (quality control, not the task) counts as refused with the refusal's reason."""
    app = report.get("applicability") or {}
    if app.get("verdict"):
        return str(app["verdict"]), [str(r) for r in app.get("reasons") or []]
    if report.get("status") == "refused":
        return "refused", [str(report.get("reason") or "no reason given")]
    return "not assessed", ["the model carries no description of its training inputs"]


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z]+", text.lower()))


def badge(verdict: str, short: bool = False) -> str:
    """The verdict as a coloured badge; ``short``: one word or two, for tables."""
    title = verdict.capitalize() if short else VERDICTS.get(verdict, (verdict, ""))[0]
    cls = "badge-" + re.sub(r"[^a-z]+", "-", verdict.lower()).strip("-")
    return f'<span class="badge {esc(cls)}">{esc(title)}</span>'


def _task(report: dict[str, Any], seq: LandmarkSequence | None) -> str:
    task = str((report.get("model") or {}).get("task") or "")
    if not task and seq is not None:
        task = {"mediapipe_hand_21": "finger_tapping", "mediapipe_pose_33": "gait"}.get(
            seq.layout, ""
        )
    return task


# --- sections -----------------------------------------------------------------------------


def _scale_svg(score: float, low: float | None, high: float | None) -> str:
    """The 0–4 scale with the score's marker and its interval as a band (inline SVG)."""
    x0, step, width = 30, 135, 600

    def x(v: float) -> float:
        return x0 + max(0.0, min(4.0, v)) * step

    parts = [
        f'<svg width="{width}" height="74" viewBox="0 0 {width} 74" role="img" '
        f'aria-label="score {score:.2f} on the 0 to 4 scale">',
        f'<line x1="{x0}" y1="30" x2="{x(4)}" y2="30" stroke="#9aa0a6" stroke-width="2"/>',
    ]
    if low is not None and high is not None:
        parts.append(
            f'<rect x="{x(low):.1f}" y="21" width="{max(x(high) - x(low), 2):.1f}" height="18" '
            'fill="#1f5fa8" fill-opacity="0.18" stroke="#1f5fa8" stroke-opacity="0.5"/>'
        )
    for g, word in GRADES.items():
        parts.append(
            f'<line x1="{x(g)}" y1="24" x2="{x(g)}" y2="36" stroke="#5f6b7a"/>'
            f'<text x="{x(g)}" y="54" font-size="13" text-anchor="middle" fill="#1d2430">'
            f"{g}</text>"
            f'<text x="{x(g)}" y="69" font-size="12" text-anchor="middle" fill="#5f6b7a">'
            f"{word}</text>"
        )
    sx = x(score)
    parts.append(
        f'<polygon points="{sx - 7:.1f},8 {sx + 7:.1f},8 {sx:.1f},22" fill="#c0392b"/>'
        f'<line x1="{sx:.1f}" y1="20" x2="{sx:.1f}" y2="40" stroke="#c0392b" stroke-width="3"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _probabilities(probabilities: dict[str, Any]) -> str:
    rows = []

    def key(item: tuple[str, Any]) -> tuple[int, float | str]:
        try:
            return (0, float(item[0]))
        except ValueError:
            return (1, item[0])

    for label, p in sorted(probabilities.items(), key=key):
        if not _finite(p):
            continue
        try:
            words = GRADES.get(int(float(label)), "")
        except ValueError:
            words = ""
        name = f"{esc(label)} ({words})" if words else esc(label)
        bar = f'<span style="width:{max(0.0, min(1.0, float(p))) * 300:.0f}px"></span>'
        rows.append([_td(name), _td(bar, cls="bar"), _td(f"{float(p):.0%}", num=True)])
    if not rows:
        return ""
    return "<h3>Probability of each grade</h3>" + _table(["grade", "", "p"], rows, "bars")


def _headline(report: dict[str, Any], task: str) -> str:
    video = Path(str(report.get("video") or "unnamed video")).name
    parts = [
        f"<h1>{esc(TASKS.get(task, task.replace('_', ' ').capitalize() or 'Motor assessment'))}"
        "</h1>",
        f'<div class="muted">Video: <b>{esc(video)}</b></div>',
    ]
    if (report.get("model") or {}).get("trained_on", {}).get("synthetic"):
        parts.append(f'<div class="warn">⚠ {esc(SYNTHETIC_WARNING)}</div>')
    if report.get("status") == "refused" or not _finite(report.get("score")):
        reason = report.get("reason") or "no reason given"
        parts.append(
            '<div class="refused-box"><h2>No score: this video was refused</h2>'
            f'<p class="reason">{esc(reason)}</p>'
            '<p class="small">Nothing was scored, on purpose: a number from this recording '
            "would not be meaningful. Check the recording (see quality control below) and "
            "record again if needed.</p></div>"
        )
        return "\n".join(parts)
    score = float(report["score"])
    interval = report.get("interval") or {}
    low, high = interval.get("low"), interval.get("high")
    has_interval = _finite(low) and _finite(high)
    predicted = report.get("predicted")
    nearest = ""
    if _finite(predicted) and int(predicted) in GRADES:
        nearest = (
            f'; nearest grade <span class="grade">{int(predicted)} '
            f"({GRADES[int(predicted)]})</span>"
        )
    box = [
        '<div class="headline"><div class="score-row">',
        f'<div class="score-value">{score:.1f}</div>',
        '<div><div class="score-words">Severity score on the MDS-UPDRS 0–4 scale '
        f"(0 normal, 1 slight, 2 mild, 3 moderate, 4 severe): {esc(grade_words(score))}"
        f"{nearest}.</div>",
    ]
    if has_interval:
        box.append(
            f'<div class="interval">Likely between <b>{float(low):.1f}</b> and '
            f"<b>{float(high):.1f}</b> ({esc(_coverage(str(interval.get('note', ''))))})."
            "</div>"
        )
        if interval.get("note"):
            box.append(f'<div class="muted">How the range was set: {esc(interval["note"])}.</div>')
    box.append("</div></div>")
    box.append(
        _scale_svg(
            score, float(low) if has_interval else None, float(high) if has_interval else None
        )
    )
    box.append(_probabilities(report.get("probabilities") or {}))
    box.append(
        f'<div class="muted">Exact score {score:.2f}. Read it together with the trust check '
        "below.</div></div>"
    )
    parts.append("\n".join(box))
    return "\n".join(parts)


def _condition_rows(conditions: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for c in conditions:
        name = str(c.get("name", ""))
        label, unit, fewer, more = CONDITION_WORDS.get(name, (name, "", "lower", "higher"))
        value, low, high = c.get("value"), c.get("low"), c.get("high")
        shown = fmt(value) + (unit if _finite(value) else "")
        span = f"{fmt(low)} to {fmt(high)}{unit}" if _finite(low) and _finite(high) else "—"
        inside = c.get("inside")
        if inside is True:
            status = '<span class="ok">✓ within the training range</span>'
        elif inside is False:
            word = fewer if _finite(value) and _finite(low) and float(value) < float(low) else more
            status = f'<span class="bad">✗ {esc(word)} than in any training recording</span>'
        else:
            status = f'<span class="na">not checked: {esc(c.get("note") or "unknown")}</span>'
        rows.append(
            [_td(esc(label)), _td(esc(shown), num=True), _td(esc(span), num=True), _td(status)]
        )
    return rows


def _trust(report: dict[str, Any]) -> str:
    verdict, reasons = verdict_of(report)
    app = report.get("applicability") or {}
    out = ["<section><h2>Can this score be trusted?</h2>"]
    explanation = VERDICTS.get(verdict, ("", ""))[1]
    out.append(f"<p>{badge(verdict)} {esc(explanation)}</p>")
    if reasons:
        out.append('<p class="small">Why:</p><ul class="reasons">')
        out += [f"<li>{esc(r)}</li>" for r in reasons]
        out.append("</ul>")
    elif verdict == "inside":
        out.append('<p class="small ok">No check raised a concern.</p>')
    trained = (report.get("model") or {}).get("trained_on") or {}
    if trained.get("synthetic"):
        extra = str(trained.get("warning") or "")
        if _words(extra) == _words(SYNTHETIC_WARNING):
            extra = ""  # the model's own warning, said the same way: once is enough
        out.append(
            f'<div class="warn">⚠ {esc(SYNTHETIC_WARNING)} The model learnt from computer-'
            "generated recordings, not from patients rated by clinicians, so its number says "
            "nothing about this patient." + (f" ({esc(extra)})" if extra else "") + "</div>"
        )
    conditions = app.get("conditions") or []
    if conditions:
        out.append("<h3>Recording conditions against the training recordings</h3>")
        out.append(
            _table(
                ["condition", "this recording", "training range", "result"],
                _condition_rows(conditions),
            )
        )
    novelty = app.get("novelty") or {}
    if _finite(novelty.get("training_percentile")):
        pct = float(novelty["training_percentile"])
        typical = "typical" if pct >= 5 else "unusual"
        out.append(
            f'<p class="small">Overall combination of measurements: {pct:.0f} % of the '
            f"training recordings were at least as unusual as this one ({typical}).</p>"
        )
    outside = app.get("outside") or []
    if outside:
        rows = [
            [
                _td(f"<code>{esc(o.get('feature'))}</code><br>{esc(gloss(str(o.get('feature'))))}"),
                _td(esc(fmt(o.get("value"))), num=True),
                _td(esc(f"{fmt(o.get('low'))} to {fmt(o.get('high'))}"), num=True),
                _td(esc(how_far(o.get("by_iqr")))),
            ]
            for o in outside[:10]
        ]
        more = f" (first 10 of {len(outside)})" if len(outside) > 10 else ""
        out.append(f"<h3>Measurements outside the training range{esc(more)}</h3>")
        out.append(_table(["measurement", "this recording", "training range", "how far"], rows))
        out.append(
            '<p class="muted">IQR: the spread of the middle half of the training values; '
            "a value well under 1 IQR outside is a near miss.</p>"
        )
    missing = app.get("missing") or []
    if missing:
        out.append(
            f'<p class="small">Not measurable in this recording ({len(missing)}): '
            + esc(", ".join(map(str, missing[:20])))
            + (" …" if len(missing) > 20 else "")
            + "</p>"
        )
    out.append("</section>")
    return "\n".join(out)


def how_far(by_iqr: Any) -> str:
    """'just below (0.1 IQR)': how far outside the training range, in words."""
    if not _finite(by_iqr):
        return "outside"
    distance = abs(float(by_iqr))
    side = "above" if float(by_iqr) > 0 else "below"
    word = "just " if distance < 0.5 else "far " if distance > 3 else ""
    return f"{word}{side} ({distance:.1f} IQR)"


def _model(report: dict[str, Any]) -> str:
    m = report.get("model") or {}
    if not m:
        return "<section><h2>The model</h2><p class='muted'>Not described.</p></section>"
    trained = m.get("trained_on") or {}
    out = ["<section><h2>The model</h2>"]
    rows = [
        ("name", m.get("name")),
        ("version", m.get("version")),
        ("type", m.get("type")),
        ("registry address", m.get("uri")),
        ("why this version is in use", m.get("aliases_decision")),
    ]
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(fmt(v))}</td></tr>" for k, v in rows if v)
    out.append(f"<table><tbody>{body}</tbody></table>")
    data = trained.get("dataset", "unknown")
    kind = trained.get("kind")
    synthetic = " <span class='bad'>(generated data)</span>" if trained.get("synthetic") else ""
    out.append(
        f"<h3>Trained on</h3><p>Dataset <b>{esc(data)}</b>"
        + (f" ({esc(kind).replace('_', ' ')})" if kind else "")
        + f"{synthetic}: {esc(fmt(trained.get('recordings'), '{:.0f}'))} recordings of "
        f"{esc(fmt(trained.get('subjects'), '{:.0f}'))} people.</p>"
    )
    counts = trained.get("label_counts") or {}
    if counts:
        top = max((float(v) for v in counts.values() if _finite(v)), default=0.0) or 1.0
        rows = []
        for label, n in sorted(counts.items(), key=lambda kv: str(kv[0])):
            try:
                words = GRADES.get(int(float(label)), "")
            except ValueError:
                words = ""
            bar = f'<span style="width:{float(n) / top * 300:.0f}px"></span>'
            rows.append(
                [
                    _td(esc(f"{label} ({words})" if words else label)),
                    _td(bar, cls="bar"),
                    _td(esc(fmt(n, "{:.0f}")), num=True),
                ]
            )
        out.append('<p class="small">Recordings per grade given by the raters:</p>')
        out.append(_table(["grade", "", "recordings"], rows, "bars"))
    oof = m.get("out_of_fold") or {}
    baselines: dict[str, dict[str, Any]] = {}
    for key, value in (m.get("baselines") or {}).items():
        who, _, metric = str(key).rpartition(".")
        baselines.setdefault(who, {})[metric] = value
    if oof:
        header = ["measure", "this model", *(esc(BASELINES.get(w, w)) for w in baselines)]
        rows = []
        for key, (name, what, spec) in METRICS.items():
            if key not in oof and not any(key in b for b in baselines.values()):
                continue
            rows.append(
                [
                    _td(f"<b>{esc(name)}</b><br><span class='muted'>{esc(what)}</span>"),
                    _td(esc(fmt(oof.get(key), spec)), num=True),
                    *(_td(esc(fmt(b.get(key), spec)), num=True) for b in baselines.values()),
                ]
            )
        out.append("<h3>How well it did on its own training data</h3>")
        out.append(
            '<p class="small">Out-of-fold: every training recording was scored by a model '
            "that never saw that person (cross-validation grouped by person), and compared "
            "with the rater's grade. The right-hand columns are trivial guesses a useful "
            "model must beat.</p>"
        )
        out.append(_table(header, rows))
    out.append("</section>")
    return "\n".join(out)


def _tapping(signal: ParkSignal, features: dict[str, Any]) -> str:
    s = tap_summary(signal)
    n = signal.n_taps
    counted = (
        f"<b>{n} taps counted</b>"
        if n
        else "<b>No taps found</b> (0 taps counted: the tap search needs at least two "
        "clear openings and closings)"
    )
    out = [
        '<p class="small">What a rater looks for: taps that get smaller (decrement) or '
        "slower over the recording, and hesitations or halts. The angle is the opening "
        "between the thumb and the index finger, seen from the wrist.</p>",
        "<figure>",
        _img(figures.tapping_angle(signal), "thumb-index opening angle over time"),
        f"<figcaption>{counted}. Opening angle over time; each red dot is a tap the score "
        "was computed from (PARK's definitions), numbered in order."
        + (
            " Grey: frames outside the stretch that was analysed (the longest run with the "
            "hand visible)."
            if signal.angle_deg.size < signal.recording_angle_deg.size
            else ""
        )
        + "</figcaption>",
        "</figure>",
    ]
    if n >= 2:
        facts = [
            f"Rate: {s.taps_per_s:.1f} taps per second (median {s.median_period:.2f} s "
            "between taps).",
            f"Tap size: first {s.first_amplitude:.0f}°, last {s.last_amplitude:.0f}° "
            + (f"({s.amplitude_change:+.0%})." if math.isfinite(s.amplitude_change) else "."),
            f"Longest gap: {s.longest_period:.2f} s, between taps {s.longest_after + 1} and "
            f"{s.longest_after + 2} (at {s.longest_at_s:.1f} s), "
            f"{s.longest_period / s.median_period:.1f} × the median"
            + ("; marked in orange." if s.gap_stands_out else ": no gap stands out."),
        ]
        holds = features.get("numInterruptions_denoised")
        if _finite(holds):
            freeze = features.get("maxFreezeDuration_denoised")
            facts.append(
                f"Hesitations (≥ 0.2 s nearly still): {int(float(holds))}; halts (≥ 0.3 s): "
                f"{int(float(features.get('numFreeze_denoised') or 0))}"
                + (
                    f"; longest nearly-still stretch {math.floor(float(freeze) * 100) / 100:.2f} s."
                    if _finite(freeze) and float(freeze) >= 0.01
                    else "."
                )
            )
        out.append("<ul>" + "".join(f"<li>{esc(f)}</li>" for f in facts) + "</ul>")
    out += [
        "<figure>",
        _img(figures.tapping_per_tap(signal), "amplitude and timing of each tap"),
        "<figcaption>Left: the opening at each tap, with its trend (a falling line is a "
        "decrement); first and last tap in red. Right: the time since the previous tap (a "
        "hesitation shows as a tall bar); the longest gap in orange when it is at least "
        f"{STANDS_OUT:g} × the median.</figcaption>",
        "</figure>",
    ]
    return "\n".join(out)


def _gait(signal: GaitSignal, features: dict[str, Any]) -> str:
    s = gait_summary(signal)
    counted = f"<b>{signal.n_steps} steps counted</b>"
    if signal.reason:
        counted += f" ({esc(signal.reason)})"
    out = [
        '<p class="small">What a rater looks for: short or shuffling steps, slow or '
        "irregular stepping, reduced or one-sided arm swing, and freezing.</p>",
        "<figure>",
        _img(figures.gait_steps(signal), "ankle separation and step events over time"),
        f"<figcaption>{counted}. How far the left ankle is ahead of the right (in leg "
        "lengths); each red dot is a step (feet furthest apart, at heel strike). Orange "
        "bands: pauses between steps longer than twice the usual step time.</figcaption>",
        "</figure>",
    ]
    facts = []
    if math.isfinite(s.cadence):
        facts.append(
            f"Cadence: {s.cadence:.0f} steps per minute (median step {s.median_step_s:.2f} s); "
            f"pauses: {s.n_pauses}, longest step interval {s.longest_step_s:.2f} s."
        )
    if math.isfinite(s.median_stride):
        facts.append(
            f"Stride: median {s.median_stride:.2f} leg lengths (first {s.first_stride:.2f}, "
            f"last {s.last_stride:.2f})."
        )
    left, right = features.get("gait_arm_swing_left"), features.get("gait_arm_swing_right")
    if _finite(left) and _finite(right):
        asym = features.get("gait_arm_swing_asymmetry")
        facts.append(
            f"Arm swing: left {float(left):.2f}, right {float(right):.2f} arm lengths"
            + (f" (asymmetry {float(asym):.0%})." if _finite(asym) else ".")
        )
    if facts:
        out.append("<ul>" + "".join(f"<li>{esc(f)}</li>" for f in facts) + "</ul>")
    out += [
        "<figure>",
        _img(figures.gait_per_step(signal), "cadence and stride of each step"),
        "<figcaption>Left: cadence from each step interval (orange: a pause). Right: how far "
        "each ankle travels, relative to the other foot, at each step.</figcaption>",
        "</figure>",
        "<figure>",
        _img(figures.gait_arms(signal, features), "arm swing over time"),
        "<figcaption>Each wrist's position along its swing, relative to its shoulder (arm "
        "lengths). A flat line is an arm that does not swing.</figcaption>",
        "</figure>",
    ]
    return "\n".join(out)


def _movement(
    report: dict[str, Any], seq: LandmarkSequence | None, signal: ParkSignal | GaitSignal | None
) -> str:
    features = report.get("features") or {}
    out = ["<section><h2>The movement</h2>"]
    if isinstance(signal, ParkSignal):
        out.append(_tapping(signal, features))
    elif isinstance(signal, GaitSignal):
        out.append(_gait(signal, features))
    elif seq is None:
        taps = features.get("num_peaks_denoised")
        steps = features.get("gait_n_steps")
        known = (
            f" The features count {int(float(taps))} taps."
            if _finite(taps)
            else f" The features count {int(float(steps))} steps."
            if _finite(steps)
            else ""
        )
        out.append(
            '<p class="muted">The landmarks were not given to the report, so the movement '
            f"cannot be plotted.{esc(known)}</p>"
        )
    else:
        out.append(
            f'<p class="muted">No movement plot for landmarks of layout {esc(seq.layout)}.</p>'
        )
    out.append("</section>")
    return "\n".join(out)


def _key_frames(
    seq: LandmarkSequence | None,
    video: Path | None,
    signal: ParkSignal | GaitSignal | None,
) -> str:
    head = "<section><h2>Key frames</h2>"
    if seq is None:
        return head + '<p class="muted">Not shown: the landmarks were not given.</p></section>'
    if video is None:
        return head + '<p class="muted">Not shown: the video was not given.</p></section>'
    frames = key_frames(video, seq, key_frame_indices(seq, 4))
    if not frames:
        return (
            head + f'<p class="muted">Not shown: the video {esc(Path(video).name)} could not be '
            "read.</p></section>"
        )
    frame_s = signal.frame_s if isinstance(signal, ParkSignal) else 1.0 / seq.fps
    if seq.layout == "mediapipe_hand_21":
        legend = (
            "The hand as the tracker found it; the two yellow lines (wrist to thumb tip, "
            "wrist to index fingertip) are the ones the opening angle is measured between."
        )
    else:
        legend = "The body as the tracker found it: orange the left side, cyan the right."
    cells = []
    for f in frames:
        caption = f"{f.index * frame_s:.2f} s (frame {f.index + 1} of {seq.n_frames})"
        if isinstance(signal, ParkSignal):
            angle = signal.recording_angle_deg[f.index]
            if math.isfinite(angle):
                caption += f" · opening {angle:.0f}°"
        if not f.drawn:
            caption += " · landmarks not drawn (the frame size does not match them)"
        cells.append(
            f'<figure><img src="{f.data_uri}" width="{f.width}" height="{f.height}" '
            f'alt="{esc(caption)}"><figcaption>{esc(caption)}</figcaption></figure>'
        )
    return (
        head
        + f'<p class="small">{esc(legend)} Frames evenly spaced over the recording.</p>'
        + f'<div class="frames{" frames-4" if seq.layout == "mediapipe_pose_33" else ""}">'
        + "".join(cells)
        + "</div></section>"
    )


def _qc(report: dict[str, Any]) -> str:
    qc = report.get("qc") or {}
    rec = report.get("recording") or {}
    signs = report.get("task_signs") or {}
    fps = qc.get("qc_fps", rec.get("fps"))
    from_file = qc.get("qc_fps_from_file")
    fps_note = (
        ""
        if from_file is None
        else " (from the file)"
        if from_file
        else " (assumed: the file did not state one)"
    )
    size = rec.get("frame_size")
    size_text = f"{size[0]} × {size[1]} px" if isinstance(size, (list, tuple)) and size else "—"
    rate = qc.get("qc_detection_rate")
    rows = [
        ("landmarks found", f"{float(rate):.0%} of frames" if _finite(rate) else "—",
         "share of frames where the hand or body was found"),
        ("longest gap", f"{fmt(qc.get('qc_max_missing_s'), '{:.2f}')} s",
         "longest stretch without landmarks"),
        ("jitter", fmt(qc.get("qc_jitter"), "{:.4f}"),
         "frame-to-frame shake of the landmarks, in body-part sizes; lower is steadier"),
        ("frame rate", f"{fmt(fps, '{:.1f}')} fps{fps_note}", ""),
        ("duration", f"{fmt(rec.get('duration_s', qc.get('qc_duration_s')), '{:.1f}')} s", ""),
        ("frames", fmt(qc.get("qc_frames"), "{:.0f}"), ""),
        ("frame size", size_text, ""),
    ]  # fmt: skip
    ratio = signs.get("other_fingers_motion_ratio")
    if _finite(ratio):
        rows.append(
            (
                "other fingers' motion",
                f"{float(ratio):.2f} × the thumb-index motion",
                "about 0 for finger tapping, about 1 for opening and closing the whole hand",
            )
        )
    table = _table(
        ["check", "this recording", "what it means"],
        [[_td(f"<b>{esc(a)}</b>"), _td(esc(b), num=True), _td(esc(c), cls="muted")]
         for a, b, c in rows],
    )  # fmt: skip
    return f"<section><h2>Quality control</h2>{table}</section>"


def gloss(name: str) -> str:
    """What a feature measures, in words ('' for a name this report does not know)."""
    words = next((w for prefix, w in FEATURE_GLOSS if name.startswith(prefix)), "")
    stat = next((s for key, s in STAT_GLOSS.items() if f"_{key}" in name), "")
    return f"{words}: {stat}" if words and stat else words


def _features(report: dict[str, Any]) -> str:
    features = report.get("features") or {}
    if not features:
        return ""
    outside = {
        str(o.get("feature")): o for o in (report.get("applicability") or {}).get("outside", [])
    }
    rows = []
    for name, value in features.items():
        o = outside.get(str(name))
        flag = (
            f'<span class="bad">outside ({esc(fmt(o.get("low")))} to {esc(fmt(o.get("high")))})'
            "</span>"
            if o
            else ""
        )
        rows.append(
            [
                _td(f"<code>{esc(name)}</code>"),
                _td(esc(fmt(value, "{:.4g}")), num=True),
                _td(esc(gloss(str(name))), cls="muted"),
                _td(flag),
            ]
        )
    note = (
        '<p class="small">Names ending in <code>_denoised</code> use every tap; '
        "<code>_trimmed</code> leave out the first and the last tap.</p>"
        if any(str(k).endswith("_trimmed") for k in features)
        else ""
    )
    return (
        "<section><h2>Measurements</h2><details><summary>All "
        f"{len(features)} measurements the score was computed from</summary>{note}"
        + _table(["measurement", "value", "what it measures", "training range"], rows)
        + "</details></section>"
    )


def _footer(report: dict[str, Any]) -> str:
    from hawkeye import __version__

    when = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return (
        f"<footer>Hawkeye {esc(__version__)} · report written {esc(when)} · video "
        f"{esc(report.get('video', ''))}. An automated score is decision support for a "
        "trained rater, not a diagnosis.</footer>"
    )


# --- public API ---------------------------------------------------------------------------


def render_report(
    report: dict[str, Any], seq: LandmarkSequence | None = None, video: Path | None = None
) -> str:
    """The report of one video as one self-contained HTML document.

    ``report`` is what ``hawkeye predict`` writes (:func:`hawkeye.scoring.video_report`);
    ``seq`` the recording's landmarks (movement plots and key frames need it); ``video``
    the file to take key frames from (default: the report's ``video`` when that file
    exists). Without them those sections say why they are empty.
    """
    if video is None and report.get("video") and Path(str(report["video"])).is_file():
        video = Path(str(report["video"]))
    task = _task(report, seq)
    signal = movement_signal(seq) if seq is not None else None
    title = f"Hawkeye report: {Path(str(report.get('video') or 'video')).name}"
    body = [
        _headline(report, task),
        _trust(report),
        _model(report),
        _movement(report, seq, signal),
        _key_frames(seq, video, signal),
        _qc(report),
        _features(report),
        _footer(report),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>\n<body><main>\n"
        + "\n".join(part for part in body if part)
        + "\n</main></body></html>\n"
    )


def write_report(
    report: dict[str, Any],
    seq: LandmarkSequence | None,
    video: Path | None,
    path: Path,
) -> Path:
    """:func:`render_report` written to ``path`` (UTF-8; folders created); returns ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(report, seq, video), encoding="utf-8")
    return path
