"""Every rules.py imports only the standard library, so the rules stay pure and fast to test."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
RULES_FILES = sorted((ROOT / "chairops").rglob("rules.py"))


def outside_imports(source: str) -> list[str]:
    """The imports in the source that are not from the standard library."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = ["." * node.level + (node.module or "")]
        else:
            continue
        found += [name for name in names if name.split(".")[0] not in sys.stdlib_module_names]
    return found


def test_there_are_rules_files():
    names = {path.relative_to(ROOT).as_posix() for path in RULES_FILES}
    assert {"chairops/events/rules.py", "chairops/screening/rules.py"} <= names


@pytest.mark.parametrize("path", RULES_FILES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_rules_import_only_the_standard_library(path):
    assert outside_imports(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("source", "bad"),
    [
        ("import flask", ["flask"]),
        ("from sqlalchemy.orm import Session", ["sqlalchemy.orm"]),
        ("from . import models", ["."]),
        ("from .cards import load_card", [".cards"]),
        ("def f():\n    import yaml", ["yaml"]),
        ("import os, twilio.rest", ["twilio.rest"]),
        ("import datetime as dt\nfrom collections.abc import Mapping", []),
    ],
)
def test_the_check_catches_outside_imports(source, bad):
    assert outside_imports(source) == bad
