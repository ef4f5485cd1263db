"""The `hawkeye serve` web app: pick a registered model, give it a video, read its report.

Plain server-rendered HTML (inline Jinja2 templates, inline CSS, a meta refresh for
progress): no JavaScript, no external assets, and a Content-Security-Policy that lets the
browser fetch nothing from anywhere but this server. Jobs run in a thread pool of
``workers`` threads; MediaPipe runs where ``extract_batch`` puts it (one video: in the job's
thread; several: a spawned process pool).

A job goes queued -> extracting -> scoring -> done | refused | failed. ``extracting`` covers
one call to :func:`hawkeye.scoring.score_videos` (landmarks, quality control, features and
the model's score, in that order: extraction takes nearly all of it); ``scoring`` builds
the report and renders it with :mod:`hawkeye.report` when that is importable (its movement
plots get the landmarks back from the landmark cache), else with the summary page here. A
refused video always gets the page here, its reason in ``id="refusal"``. Any exception in a
job is logged and shown as its message.
"""

from __future__ import annotations

import json
import logging
import math
import re
import secrets
import shutil
import threading
import time
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import DictLoader, Environment
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

if TYPE_CHECKING:
    from hawkeye.config import DatasetConfig
    from hawkeye.landmarks.sequence import LandmarkSequence

logger = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_MB = 500
VIDEO_SUFFIXES = frozenset(
    {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv"}
)
MAX_CHOICES = 500  # videos listed from video_dirs
RUNNING = ("queued", "extracting", "scoring")
# The Host header a request may carry: the app binds 127.0.0.1, and refusing other names
# keeps a web page elsewhere from reaching it through DNS rebinding.
ALLOWED_HOSTS = ("127.0.0.1", "localhost")
# Nothing from elsewhere: no CDN, no fonts, no beacons; inline styles and data: images only.
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
_JOB_ID = re.compile(r"^[0-9a-f]{16}$")
_RENDER_LOCK = threading.Lock()  # matplotlib's pyplot is not thread-safe


# --------------------------------------------------------------------------- jobs


@dataclass
class Job:
    id: str
    model: str
    video: Path
    name: str  # the video's name as shown
    submitted: float = field(default_factory=time.monotonic)
    state: str = "queued"
    detail: str = "waiting for a worker"
    finished: float | None = None
    report: dict[str, Any] | None = None
    html: str | None = None  # hawkeye.report's page, when that module renders it
    note: str = ""  # e.g. why the built-in page is shown instead of hawkeye.report's
    error: str | None = None

    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.submitted


def run_job(job: Job, tracking_uri: str, report_dir: Path) -> None:
    """Score one video and keep its report on ``job``; never raises."""
    from hawkeye import scoring, tracking

    try:
        job.state, job.detail = "extracting", "loading the model"
        loaded = tracking.load(job.model, tracking_uri)
        meta = tracking.model_summary(loaded)
        if not loaded.dataset_config:
            raise ValueError(
                f"{loaded.name} v{loaded.version} carries no dataset configuration, so the "
                "landmark settings for a video are unknown"
            )
        dataset = scoring.video_dataset(loaded.dataset_config)
        job.detail = "landmarks (MediaPipe), quality control, features and score"
        table = scoring.score_videos(loaded.model, dataset, [job.video], side=None, progress=False)
        job.state, job.detail = "scoring", "writing the report"
        report = scoring.video_report(table.to_dict("records")[0], loaded.model, meta)
        plain = _plain(report)
        report_dir.mkdir(parents=True, exist_ok=True)
        (report_dir / "report.json").write_text(json.dumps(plain, indent=2) + "\n")
        if plain.get("status") != "refused":
            job.html, job.note = _render_report(report, dataset, job.video)
        job.report = plain
        job.state = "refused" if plain.get("status") == "refused" else "done"
        job.detail = ""
    except Exception as exc:  # a job's failure is shown as its message, never as a traceback
        logger.exception("job %s (%s on %s) failed", job.id, job.model, job.video)
        job.error = _message(exc)
        job.state, job.detail = "failed", ""
    finally:
        job.finished = time.monotonic()


def _render_report(
    report: dict[str, Any], dataset: DatasetConfig, video: Path
) -> tuple[str | None, str]:
    """hawkeye.report's page when that module is there and renders; else None and why."""
    try:
        from hawkeye.report import render_report
    except ImportError:
        return None, ""
    try:
        seq = _sequence(dataset, video)
        with _RENDER_LOCK:
            return render_report(report, seq=seq, video=video), ""
    except Exception as exc:
        logger.exception("hawkeye.report could not render the report of %s", video)
        return None, f"The full report could not be drawn ({_message(exc)}); the summary follows."


def _sequence(dataset: DatasetConfig, video: Path) -> LandmarkSequence | None:
    """The landmarks ``score_videos`` just extracted, read back from the landmark cache, for
    the report's movement plots and key frames; None if unavailable (logged, never raised)."""
    from hawkeye.scoring import cached_sequence

    try:
        return cached_sequence(dataset, video)
    except Exception:
        logger.exception("cannot read back the landmarks of %s", video)
        return None


def _message(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _plain(value: Any) -> Any:
    """A report as strict JSON: numpy values as Python ones, NaN/inf/NA as null."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, bool, int)) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "tolist"):  # numpy scalar or array
        return _plain(value.tolist())
    if type(value).__name__ == "NAType":  # pandas.NA
        return None
    return str(value)


# --------------------------------------------------------------------------- inputs


def safe_filename(name: str, default: str = "video") -> str:
    """A file name from an upload that cannot leave its folder: base name only, plain ASCII
    letters, digits, ``.``, ``-`` and ``_``, no leading dot, at most 120 characters."""
    base = re.split(r"[/\\]", name or "")[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip("._-")
    base = re.sub(r"\.{2,}", ".", base)
    if len(base) > 120:
        stem, dot, suffix = base.rpartition(".")
        base = (stem[: 119 - len(suffix)] + dot + suffix) if dot and len(suffix) <= 10 else base
        base = base[:120]
    return base or default


def model_options(tracking_uri: str) -> list[tuple[str, str]]:
    """(uri, label) for every registered model: ``@champion`` first, then each version."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri)
    options: list[tuple[str, str]] = []
    for name in sorted(m.name for m in client.search_registered_models()):
        aliases = {a: str(v) for a, v in client.get_registered_model(name).aliases.items()}
        if "champion" in aliases:
            options.append(
                (f"models:/{name}@champion", f"{name} @champion (version {aliases['champion']})")
            )
        versions = sorted(
            {int(v.version) for v in client.search_model_versions(f"name='{name}'")}, reverse=True
        )
        for v in versions:
            named = sorted(a for a, ver in aliases.items() if ver == str(v))
            label = f"{name} version {v}" + (f" ({', '.join(named)})" if named else "")
            options.append((f"models:/{name}/{v}", label))
    return options


def video_choices(dirs: list[Path]) -> dict[str, tuple[Path, str]]:
    """token -> (video, label) for the videos under ``dirs``; a form sends the token, never a
    path, so only a listed file can be chosen."""
    out: dict[str, tuple[Path, str]] = {}
    for i, folder in enumerate(dirs):
        root = Path(folder).expanduser().absolute()
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() in VIDEO_SUFFIXES and path.is_file():
                rel = path.relative_to(root).as_posix()
                out[f"{i}:{rel}"] = (path, f"{root.name}/{rel}")
                if len(out) >= MAX_CHOICES:
                    return out
    return out


def _save(src: BinaryIO, dest: Path) -> None:
    with dest.open("wb") as f:
        shutil.copyfileobj(src, f, length=1024 * 1024)


# --------------------------------------------------------------------------- middleware


class UploadTooLarge(Exception):
    """The request body passed the upload limit while it was being read."""


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class _Guard:
    """Caps request bodies at ``max_bytes`` and adds the security headers to every response.

    A declared ``Content-Length`` over the cap is answered 413 before any of it is read; a
    body that grows past it (chunked) raises :class:`UploadTooLarge` inside the form parser.
    """

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        length = dict(scope.get("headers") or []).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            page = _page("error.html", title="Too large", message=_too_large(self.max_bytes))
            await HTMLResponse(page, status_code=413)(scope, receive, send_with_headers)
            return
        seen = 0

        async def limited() -> MutableMapping[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise UploadTooLarge(_too_large(self.max_bytes))
            return message

        await self.app(scope, limited, send_with_headers)


def _too_large(max_bytes: int) -> str:
    return f"The upload is larger than the limit of {max_bytes / 1024**2:.0f} MB."


# --------------------------------------------------------------------------- app


def create_app(
    tracking_uri: str,
    work_dir: Path,
    video_dirs: list[Path] | None = None,
    workers: int = 1,
    max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB,
) -> FastAPI:
    """The web app: models from the MLflow registry at ``tracking_uri``; uploads, reports
    under ``work_dir``; videos to choose from under ``video_dirs``; ``workers`` jobs at once."""
    work_dir = Path(work_dir).absolute()
    uploads, reports = work_dir / "uploads", work_dir / "jobs"
    uploads.mkdir(parents=True, exist_ok=True)
    dirs = [Path(d) for d in video_dirs or []]
    max_bytes = int(max_upload_mb * 1024**2)
    executor = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="hawkeye-job")
    jobs: dict[str, Job] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        executor.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="hawkeye",
        lifespan=lifespan,
        docs_url=None,  # the docs pages load their scripts from a CDN
        redoc_url=None,
        openapi_url=None,
    )
    app.state.jobs = jobs
    app.state.executor = executor
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(ALLOWED_HOSTS))
    app.add_middleware(_Guard, max_bytes=max_bytes)

    def html(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(_page(name, **context), status_code=status)

    def error(status: int, title: str, message: str) -> HTMLResponse:
        return html("error.html", status, title=title, message=message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: "Not found", 405: "Method not allowed"}
        return error(exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail))

    @app.get("/", response_class=HTMLResponse)
    async def index() -> HTMLResponse:
        try:
            options = await run_in_threadpool(model_options, tracking_uri)
        except Exception as exc:
            logger.exception("cannot list the registered models at %s", tracking_uri)
            return error(503, "Model registry unavailable", _message(exc))
        if not options:
            return html("empty.html", tracking_uri=tracking_uri)
        choices = await run_in_threadpool(video_choices, dirs)
        recent = sorted(jobs.values(), key=lambda j: j.submitted, reverse=True)[:20]
        return html(
            "index.html",
            options=options,
            choices=[(token, label) for token, (_, label) in choices.items()],
            max_mb=max_upload_mb,
            recent=recent,
        )

    @app.post("/jobs")
    async def submit(request: Request) -> Response:
        job_id = secrets.token_hex(8)
        try:
            async with request.form(max_files=1, max_fields=10) as form:
                model = str(form.get("model") or "")
                upload = form.get("video")
                choose = str(form.get("choose") or "")
                options = await run_in_threadpool(model_options, tracking_uri)
                if model not in {uri for uri, _ in options}:
                    return error(400, "Unknown model", f"{model!r} is not a registered model.")
                if isinstance(upload, UploadFile) and upload.filename:
                    name = safe_filename(upload.filename)
                    folder = uploads / job_id
                    folder.mkdir(parents=True)
                    video = folder / name
                    await run_in_threadpool(_save, upload.file, video)
                elif choose:
                    found = (await run_in_threadpool(video_choices, dirs)).get(choose)
                    if found is None:
                        return error(400, "Unknown video", "Choose a video from the list.")
                    video, name = found[0], found[1]
                else:
                    return error(400, "No video", "Upload a video or choose one from the list.")
        except UploadTooLarge as exc:
            shutil.rmtree(uploads / job_id, ignore_errors=True)
            return error(413, "Too large", str(exc))
        job = Job(job_id, model, video, name)
        jobs[job_id] = job
        executor.submit(run_job, job, tracking_uri, reports / job_id)
        logger.info("job %s: %s on %s", job_id, model, video)
        return RedirectResponse(f"/jobs/{job_id}", status_code=303)

    def find(job_id: str) -> Job | None:
        return jobs.get(job_id) if _JOB_ID.match(job_id) else None

    def missing(job_id: str) -> HTMLResponse:
        return error(404, "No such job", f"There is no job {job_id!r} (jobs last until restart).")

    @app.get("/jobs/{job_id}", response_class=HTMLResponse)
    async def job_page(job_id: str) -> HTMLResponse:
        job = find(job_id)
        if job is None:
            return missing(job_id)
        if job.state in RUNNING:
            return html("progress.html", job=job)
        if job.state == "failed":
            return html("failed.html", job=job)
        if job.state == "done" and job.html is not None:
            return HTMLResponse(job.html)
        return html("report.html", job=job, r=job.report or {})

    @app.get("/jobs/{job_id}/report.json")
    async def job_json(job_id: str) -> Response:
        job = find(job_id)
        if job is None:
            body, status = {"error": f"no job {job_id!r}"}, 404
        elif job.state in RUNNING:
            body, status = {"state": job.state, "elapsed_s": round(job.elapsed(), 1)}, 202
        elif job.report is None:
            body, status = {"state": job.state, "error": job.error}, 500
        else:
            body, status = job.report, 200
        return Response(json.dumps(body, indent=2), status, media_type="application/json")

    @app.get("/jobs/{job_id}/video")
    async def job_video(job_id: str) -> Response:
        """The job's own video, and nothing else: the path comes from the job, not the URL."""
        job = find(job_id)
        if job is None or not job.video.is_file():
            return missing(job_id)
        return FileResponse(job.video, content_disposition_type="inline", filename=job.video.name)

    return app


def serve(
    tracking_uri: str,
    work_dir: Path,
    port: int = 8765,
    video_dirs: list[Path] | None = None,
) -> None:
    """Run the app on http://127.0.0.1:<port> (this machine only) until interrupted."""
    import uvicorn

    uvicorn.run(create_app(tracking_uri, work_dir, video_dirs), host="127.0.0.1", port=port)


# --------------------------------------------------------------------------- pages


def _num(value: Any, digits: int = 2, whole: bool = False) -> str:
    """A number as shown: ``digits`` decimals (``whole``: none for a whole number), — for none."""
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            return "—"
        if whole and float(value).is_integer():
            return str(int(value))
        return f"{value:.{digits}f}"
    return str(value)


_BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{% block head %}{% endblock %}
<title>{% block title %}hawkeye{% endblock %} · hawkeye</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:52rem;margin:2rem auto;
padding:0 1rem;color:#1d2330;line-height:1.45}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:1.6rem}
a{color:#1f5fbf}label{display:block;font-weight:600;margin-top:1rem}
select,input[type=file]{margin-top:.3rem;font-size:1rem;max-width:100%}
button{margin-top:1.2rem;font-size:1rem;padding:.45rem 1.2rem}
.muted{color:#5b6474;font-size:.92rem}
.score{font-size:3rem;font-weight:700;margin:.2rem 0}
.box{border-radius:6px;padding:.8rem 1rem;margin:1rem 0}
.refusal{background:#fff1f0;border:2px solid #c0392b}
.error{background:#fff6e5;border:2px solid #d68910}
.warn{background:#fff6e5;border:1px solid #d68910}
.verdict-inside{color:#1e7e34}.verdict-flagged{color:#b36b00}.verdict-refused{color:#c0392b}
table{border-collapse:collapse}td,th{padding:.15rem .8rem .15rem 0;text-align:left}
nav{margin-bottom:1rem}
</style></head><body>
<nav><a href="/">hawkeye</a></nav>
{% block body %}{% endblock %}
</body></html>
"""

_TEMPLATES = {
    "base.html": _BASE,
    "index.html": """{% extends "base.html" %}{% block title %}Score a video{% endblock %}
{% block body %}<h1>Score a video</h1>
<form action="/jobs" method="post" enctype="multipart/form-data">
<label for="model">Model</label>
<select name="model" id="model">{% for uri, label in options %}
<option value="{{ uri }}">{{ label }}</option>{% endfor %}
</select>
<label for="video">Upload a video</label>
<input type="file" name="video" id="video" accept="video/*,.mov,.mp4,.avi,.mkv,.webm">
<div class="muted">up to {{ "%.0f"|format(max_mb) }} MB; it stays on this machine</div>
{% if choices %}<label for="choose">or choose one</label>
<select name="choose" id="choose"><option value="">—</option>{% for token, label in choices %}
<option value="{{ token }}">{{ label }}</option>{% endfor %}
</select>{% endif %}
<div><button type="submit" id="submit">Score</button></div>
</form>
{% if recent %}<h2>Recent jobs</h2><ul>{% for j in recent %}
<li><a href="/jobs/{{ j.id }}">{{ j.name }}</a> · {{ j.model }} · {{ j.state }}</li>
{% endfor %}</ul>{% endif %}
{% endblock %}""",
    "empty.html": """{% extends "base.html" %}{% block title %}No model{% endblock %}
{% block body %}<h1>No model is registered yet</h1>
<p id="no-models">The registry at <code>{{ tracking_uri }}</code> holds no model, so there is
nothing to score with. Train and register one first: run <code>hawkeye run demo</code>,
then reload this page.</p>{% endblock %}""",
    "progress.html": """{% extends "base.html" %}
{% block head %}<meta http-equiv="refresh" content="1">{% endblock %}
{% block title %}{{ job.state }}{% endblock %}
{% block body %}<h1>Scoring {{ job.name }}</h1>
<p>State: <strong id="state">{{ job.state }}</strong>{% if job.detail %} — {{ job.detail }}
{% endif %}</p>
<p class="muted">{{ "%.0f"|format(job.elapsed()) }} s elapsed · model {{ job.model }} ·
this page refreshes every second</p>{% endblock %}""",
    "failed.html": """{% extends "base.html" %}{% block title %}Failed{% endblock %}
{% block body %}<h1>Scoring {{ job.name }} failed</h1>
<div class="box error" id="error"><strong>{{ job.error }}</strong></div>
<p class="muted">model {{ job.model }} · after {{ "%.1f"|format(job.elapsed()) }} s ·
the server log has the details · <a href="/">score another video</a></p>{% endblock %}""",
    "report.html": """{% extends "base.html" %}{% block title %}{{ job.name }}{% endblock %}
{% block body %}{% set m = r.get("model", {}) %}{% set t = m.get("trained_on", {}) %}
<h1>{{ job.name }}</h1>
{% if job.note %}<div class="box warn">{{ job.note }}</div>{% endif %}
{% if r.get("status") == "refused" %}
<div class="box refusal"><h2 style="margin-top:0">Not scored: the video was refused</h2>
<p id="refusal"><strong>{{ r.get("reason") }}</strong></p></div>
{% else %}
<p class="muted">{{ (m.get("task") or "")|replace("_", " ") }} score (0&ndash;4)</p>
<p class="score" id="score">{{ num(r.get("score")) }}</p>
<p>Predicted rating: <strong id="predicted">{{ r.get("predicted", "—") }}</strong>
{% if r.get("interval") %} · interval <strong id="interval">{{ num(r.interval.low) }} &ndash;
{{ num(r.interval.high) }}</strong> <span class="muted">({{ r.interval.note }})</span>{% endif %}
</p>
{% if r.get("probabilities") %}<p class="muted">{% for k, v in r.probabilities.items() %}
P({{ k }}) = {{ num(v) }}{% if not loop.last %} · {% endif %}{% endfor %}</p>{% endif %}
{% endif %}
{% set a = r.get("applicability") %}{% if a %}
<h2>Applicability</h2>
<p>Verdict: <strong id="verdict" class="verdict-{{ a.get('verdict', '')|replace(' ', '-') }}">
{{ a.get("verdict") }}</strong></p>
{% if a.get("reasons") %}<ul id="reasons">{% for why in a.reasons %}<li>{{ why }}</li>
{% endfor %}</ul>{% endif %}{% endif %}
<h2>Model</h2>
<p>{{ m.get("name") }} version {{ m.get("version") }} · {{ m.get("type") }} · trained on
{{ t.get("dataset") }} ({{ t.get("recordings") }} recordings, {{ t.get("subjects") }}
subjects)</p>
{% if t.get("warning") %}<div class="box warn">{{ t.warning }}</div>{% endif %}
{% if m.get("out_of_fold") %}<p class="muted">out of fold: {% for k, v in
m.out_of_fold.items() %}{{ k }} {{ num(v, 3) }}{% if not loop.last %}, {% endif %}{% endfor %}
{% if m.get("baselines", {}).get("mean.mae") is not none %} (mean-predictor baseline mae
{{ num(m.baselines["mean.mae"], 3) }}){% endif %}</p>{% endif %}
{% if r.get("recording") %}<h2>Recording</h2><p>{% for k, v in r.recording.items() %}
{{ k|replace("_", " ") }}:
{{ v|join(times) if v is sequence and v is not string else num(v, 2, true) }}
{% if not loop.last %} · {% endif %}{% endfor %}</p>{% endif %}
{% if r.get("qc") %}<h2>Quality control</h2><table>{% for k, v in r.qc.items() %}
<tr><td>{{ k|replace("qc_", "")|replace("_", " ") }}</td><td>{{ num(v, 2, true) }}</td></tr>
{% endfor %}</table>{% endif %}
<p><a href="/jobs/{{ job.id }}/report.json">report.json</a> ·
<a href="/jobs/{{ job.id }}/video">the video</a> · <a href="/">score another video</a>
<span class="muted">· {{ "%.1f"|format(job.elapsed()) }} s</span></p>
{% endblock %}""",
    "error.html": """{% extends "base.html" %}{% block title %}{{ title }}{% endblock %}
{% block body %}<h1>{{ title }}</h1><div class="box error" id="error">{{ message }}</div>
<p><a href="/">back</a></p>{% endblock %}""",
}

_ENV = Environment(loader=DictLoader(_TEMPLATES), autoescape=True)
_ENV.globals["num"] = _num
_ENV.globals["times"] = Markup("&times;")


def _page(name: str, **context: Any) -> str:
    return _ENV.get_template(name).render(**context)
