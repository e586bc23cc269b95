"""``backprop demo``: the classic examples of CS231n's notes, in any view."""

from __future__ import annotations

import json
from typing import Any

import click

from ..errors import UsageError
from .declarations import DECLARED
from .options import BackpropCommand, given
from .viewing import combinations_help, refuse_given, view_options, view_options_from


@click.command("demo", cls=BackpropCommand, help_epilog=combinations_help)
@click.argument("name", required=False)
@click.option("--html", "html_file", metavar="FILE", help="Write the live circuit page to FILE (see backprop html).")
@view_options
@DECLARED["debug"]
@click.pass_context
def command(ctx: click.Context, /, name: str | None, html_file: str | None, **_: Any) -> None:
    """List the classic examples, or run NAME (in the steps view unless another is chosen).

    Without NAME the list takes --ascii and --json only; every other option needs a demo.

    \b
    Examples:
      backprop demo
      backprop demo circuit
      backprop demo neuron --circuit
      backprop demo staged --steps --pause
      backprop demo patterns --latex
      backprop demo staged --html staged.html
    """
    from ..demos import ALL_DEMOS as DEMOS

    if name is None:
        _refuse_without_name(ctx)  # before the views' own refusals, which speak of a demo's view
    options = view_options_from(ctx.params, given(ctx), str(ctx.command.name), "steps")
    if name is None:
        _list(DEMOS, options.output == "json", options.ascii)
        return
    if name not in DEMOS:
        raise UsageError(f"no demo named {name!r}; the demos are: {', '.join(DEMOS)}")
    from .loading import evaluate
    from .viewing import show

    demo = DEMOS[name]
    values = {k: _value(k, v) for k, v in demo.values.items()}
    if html_file is not None:
        from .html import write_page

        _refuse_with_page(ctx)
        write_page(demo.source, values, html_file, options.digits)
        return
    show(evaluate(demo.source, values, options.mode, options.wrt, options.view, options.hessian), options)


def _refuse_with_page(ctx: click.Context) -> None:
    """A usage error for a view, an output or an option that the page (--html) has no use for."""
    from .registry import OPTIONS, OUTPUTS, VIEWS

    chosen = [view.flag for view in VIEWS.values() if ctx.params.get(f"view_{view.name}")]
    if chosen:
        raise UsageError(f"{chosen[0]} and --html do not go together: the page has no use for {chosen[0]}")
    outputs = {output.option for output in OUTPUTS.values() if output.option}
    refuse_given(given(ctx), (OPTIONS.keys() - {"digits"}) | outputs, "--html", "the page")


def _refuse_without_name(ctx: click.Context) -> None:
    """A usage error for an option that needs a demo: the list takes only --json and --ascii."""
    from .registry import OPTIONS, OUTPUTS, VIEWS

    needs = {f"view_{v}" for v in VIEWS} | {o.option for o in OUTPUTS.values() if o.option} | OPTIONS.keys()
    needs |= {"html_file"}
    refuse = needs - {"as_json", "ascii"}
    hint = "; give a demo: backprop demo NAME {flag}"
    refuse_given(given(ctx), refuse, "no NAME", "the list of demos", hint, {"html_file": "--html"})


def _value(name: str, value: Any) -> Any:
    """A demo's number as a float, its nested lists as an array."""
    if isinstance(value, list):
        from ..arrays.values import from_nested

        return from_nested(name, value)
    return float(value)


def _list(demos: dict[str, Any], as_json: bool, ascii: bool) -> None:
    """The demos with their descriptions, programs and values (the descriptions' σ, −, · in the
    expression language's spelling with ``ascii``)."""
    from ..demos import describe
    from ..styles import ASCII, UNICODE

    if as_json:
        from ..views.json_view import dumps

        listed = [
            {"name": key, "description": describe(d, UNICODE), "expression": d.source, "values": d.values}
            for key, d in demos.items()
        ]
        click.echo(dumps({"demos": listed}))
        return
    style = ASCII if ascii else UNICODE
    width = max(map(len, demos))
    for key, demo in demos.items():
        values = " ".join(
            f"-{k} '{json.dumps(v)}'" if isinstance(v, list) else f"-{k} {v:g}" for k, v in demo.values.items()
        )
        source = "; ".join(demo.source.splitlines())
        click.echo(f"{key:<{width}}  {describe(demo, style)}\n{'':<{width}}  {source}   {values}")
