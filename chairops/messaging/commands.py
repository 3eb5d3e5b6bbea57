"""Operator commands for texts: flask --app wsgi dispatch [--once] | reconcile-texts."""

from __future__ import annotations

from collections import Counter

import click
from flask import Blueprint, current_app

from .dispatch import dispatch_once, reconcile_once

bp = Blueprint("messaging_cli", __name__, cli_group=None)


def _show(counts: dict) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(counts.items())) or "nothing"


@bp.cli.command("dispatch")
@click.option("--once", is_flag=True, help="Send one batch, then stop.")
@click.option("--limit", default=100, show_default=True, help="Texts claimed per batch.")
def dispatch_command(once: bool, limit: int):
    """Send due texts: one batch with --once, else batches until none is due."""
    app = current_app._get_current_object()
    totals = Counter()
    while True:
        counts = dispatch_once(app, limit=limit)
        totals.update(counts)
        if once or not counts.get("claimed"):
            break
    click.echo(f"Texts: {_show(dict(totals))}.")


@bp.cli.command("reconcile-texts")
def reconcile_command():
    """Settle texts in `unknown` (or abandoned mid-send) by asking the provider."""
    counts = reconcile_once(current_app._get_current_object())
    click.echo(f"Reconciled: {_show(counts)}.")
