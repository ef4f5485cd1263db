"""``hawkeye``: the command line, the outermost layer (docs/ARCHITECTURE.md).

One module a command group; each has ``register(app)``:

- :mod:`~hawkeye_cli.run`: ``run``, ``tune`` (the ZenML pipelines);
- :mod:`~hawkeye_cli.scoring`: ``predict``, ``score``, ``evaluate``, ``adapt``;
- :mod:`~hawkeye_cli.registry`: ``models list|compare|promote``;
- :mod:`~hawkeye_cli.stages`: ``stage ...``, what ``dvc.yaml`` runs;
- :mod:`~hawkeye_cli.project`: ``init``, ``config resolve``;
- :mod:`~hawkeye_cli.tools`: ``env``, ``ui``, ``serve``, ``stack``, ``data``, ``landmarks``.

Commands hold no computation of their own: they resolve what the user typed,
call the domain and the MLflow adapter, and print the outcome.
"""

from __future__ import annotations

import typer

from hawkeye_cli import project, registry, run, scoring, stages, tools
from hawkeye_cli.common import App, set_verbose

app = App(
    help="Hawkeye: validated, traceable models of clinical motor tasks from video.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _main(
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="show every library's log lines (MLflow, ZenML, MediaPipe)"
    ),
) -> None:
    """Hawkeye: validated, traceable models of clinical motor tasks from video."""
    set_verbose(verbose)


for _group in (run, scoring, registry, stages, project, tools):
    _group.register(app)

__all__ = ["app"]
