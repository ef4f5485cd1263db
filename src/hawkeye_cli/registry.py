"""``hawkeye models list|compare|promote``: the MLflow model registry."""

from __future__ import annotations

import typer

from hawkeye_cli.common import console, enter_project, group, tracking_uri

models_app = group("The MLflow model registry: list, compare, promote.")


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")


@models_app.command("list")
def models_list(
    name: str | None = typer.Argument(None, help="one registered model (default: all)"),
    wide: bool = typer.Option(False, "--wide", help="every column: split, commit, run, gate"),
) -> None:
    """Every model version with its aliases, metrics, split, data version and commit."""
    from hawkeye.evaluation.registry import names as metric_names
    from hawkeye.tracking import list_versions

    enter_project()
    table = list_versions(name, tracking_uri())
    if table.empty:
        console.print("No registered model yet: `hawkeye run demo` registers one.")
        return
    # The headline metrics by default; --wide adds every shown metric and the lineage.
    metrics = metric_names(shown=True) if wide else metric_names(headline=True)
    columns = ["model", "version", "aliases", "type", *metrics, "external"]
    columns += ["base", "split", "data", "commit", "created", "gate"] if wide else []
    shown = table[[c for c in columns if c in table]].round(3)
    if not wide:
        shown["type"] = shown["type"].str.slice(0, 24)
        shown["external"] = shown["external"].str.slice(0, 30)
    print(shown.to_string(index=False))


@models_app.command("compare")
def models_compare(
    name: str = typer.Argument(..., help="registered model"),
    a: str = typer.Argument(..., help="version number or alias, e.g. champion"),
    b: str = typer.Argument(..., help="version number or alias, e.g. challenger or 7"),
) -> None:
    """Two versions' metrics side by side, and whether they were evaluated on the same split."""
    from hawkeye.tracking import compare

    enter_project()
    result = compare(name, a, b, tracking_uri())
    print(result.table.round(4).to_string())
    console.print(("[green]" if result.same_split else "[yellow]") + result.note)


@models_app.command("promote")
def models_promote(
    name: str = typer.Argument(..., help="registered model"),
    version: str = typer.Argument(..., help="version number (or alias) to make champion"),
    reason: str = typer.Option(..., "--reason", help="why; kept on the model version"),
) -> None:
    """Give a version the champion alias by hand; the reason, who and when are recorded."""
    import getpass

    from hawkeye.tracking import promote

    enter_project()
    out = promote(name, version, reason, tracking_uri(), user=getpass.getuser())
    console.print(
        f"{name} v{out['version']} is champion (was v{out['previous_champion']}): {reason}"
    )
