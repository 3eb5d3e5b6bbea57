"""Operator commands for texts: dispatch [--once] | reconcile-texts | texting-countries."""

from __future__ import annotations

from collections import Counter

import click
from flask import Blueprint, current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Company
from ..phones import parse_countries
from .dispatch import dispatch_once, reconcile_once
from .rules import allowed_countries

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
        if once or not (counts.get("claimed") or counts.get("held_back")):
            break
    click.echo(f"Texts: {_show(dict(totals))}.")


@bp.cli.command("reconcile-texts")
def reconcile_command():
    """Settle texts in `unknown` (or abandoned mid-send) by asking the provider."""
    counts = reconcile_once(current_app._get_current_object())
    click.echo(f"Reconciled: {_show(counts)}.")


@bp.cli.command("texting-countries")
@click.argument("company_name")
@click.argument("codes", nargs=-1)
def texting_countries_command(company_name: str, codes: tuple[str, ...]):
    """Let a company text numbers of more countries (ISO codes); none: its own country only."""
    company = db.session.scalar(select(Company).where(Company.name == company_name))
    if company is None:
        raise click.ClickException(f"No company named {company_name!r}.")
    try:
        company.sms_countries = parse_countries(list(codes), company.country)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    allowed = sorted(allowed_countries(company.country, company.sms_countries))
    click.echo(f"{company.name} texts numbers in: {', '.join(allowed)}.")
