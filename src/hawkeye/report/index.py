"""An index page for a folder of scored videos: one row a video, linking its report."""

# ruff: noqa: RUF001  (text for readers: en dashes, multiplication and minus signs)

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from hawkeye.report.html import CSS, badge, esc, fmt, grade_words, verdict_of


def _interval(report: dict[str, Any]) -> str:
    interval = report.get("interval") or {}
    low, high = interval.get("low"), interval.get("high")
    if report.get("status") == "refused" or low is None or high is None:
        return "—"
    return f"{fmt(low, '{:.1f}')} to {fmt(high, '{:.1f}')}"


def render_index(entries: list[tuple[dict[str, Any], str]]) -> str:
    """One self-contained HTML page listing ``(report, report file name)`` pairs in order.

    The file name is used as a relative link, so the index sits beside the reports.
    """
    rows = []
    for report, link in entries:
        name = Path(str(report.get("video") or link)).name
        refused = report.get("status") == "refused"
        verdict, reasons = verdict_of(report)
        score = report.get("score")
        if refused or score is None:
            shown, words = "—", esc(report.get("reason") or "")
        else:
            shown, words = esc(fmt(score, "{:.1f}")), esc(grade_words(float(score)))
        detail = words if refused else esc("; ".join(reasons))
        rows.append(
            "<tr>"
            f'<td><a href="{esc(quote(link))}">{esc(name)}</a></td>'
            f"<td>{esc(report.get('status', ''))}</td>"
            f'<td class="num"><b>{shown}</b></td>'
            f'<td class="num">{esc(_interval(report))}</td>'
            f"<td>{badge(verdict, short=True)}</td>"
            f'<td class="small">{"" if refused else words + "<br>"}'
            f'<span class="muted">{detail}</span></td>'
            "</tr>"
        )
    scored = sum(1 for r, _ in entries if r.get("status") != "refused")
    models = {
        f"{(r.get('model') or {}).get('name', '?')} v{(r.get('model') or {}).get('version', '?')}"
        for r, _ in entries
        if r.get("model")
    }
    synthetic = any(
        ((r.get("model") or {}).get("trained_on") or {}).get("synthetic") for r, _ in entries
    )
    warning = (
        '<div class="warn">⚠ Trained on generated (synthetic) data: not clinical scores.</div>'
        if synthetic
        else ""
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Hawkeye scores: {len(entries)} videos</title><style>{CSS}</style></head>\n"
        "<body><main><h1>Scored videos</h1>"
        f'<p class="muted">{len(entries)} videos, {scored} scored, '
        f"{len(entries) - scored} refused. Model: {esc(', '.join(sorted(models)) or '—')}. "
        "Scores are on the MDS-UPDRS 0–4 scale (0 normal, 1 slight, 2 mild, 3 moderate, "
        "4 severe); open a video's report for the details.</p>"
        f"{warning}"
        "<table><thead><tr><th>video</th><th>status</th><th>score</th><th>likely range</th>"
        "<th>trust</th><th>meaning / reasons</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></main></body></html>\n"
    )


def write_folder_reports(
    table: Any, model: Any, meta: dict[str, Any], dataset: Any, folder: Path, side: str | None
) -> Path:
    """One HTML report a scored video of ``table`` (``hawkeye score``'s output) and an index.

    ``dataset`` is the model's video dataset configuration: the landmarks a report plots
    are read back from the extraction cache under the same settings.
    """
    from hawkeye.report.html import write_report
    from hawkeye.scoring import cached_sequence, nested_row, video_report

    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for row in table.to_dict("records"):
        report = video_report(nested_row(row), model, meta)
        video = Path(report["video"])
        seq = cached_sequence(dataset, video, side) if report["status"] == "scored" else None
        name = f"{row['sample_id']}.html"
        write_report(report, seq, video, folder / name)
        entries.append((report, name))
    index = folder / "index.html"
    index.write_text(render_index(entries))
    return index
