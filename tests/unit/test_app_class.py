"""chairops.Chairops remembers which functions are coroutine functions; it must decide as
Flask's own ensure_sync does, for every kind of callable a hook or a view can be."""

from __future__ import annotations

import functools

import pytest
from flask import Flask

from chairops import Chairops


def sync_view():
    return "ok"


async def async_view():
    return "ok"


class Callable:
    def __call__(self):
        return "ok"


class Unhashable(Callable):
    __hash__ = None


CALLABLES = {
    "function": sync_view,
    "coroutine function": async_view,
    "partial": functools.partial(sync_view),
    "async partial": functools.partial(async_view),
    "bound method": Callable().__call__,
    "callable object": Callable(),
    "unhashable callable": Unhashable(),
    "lambda": lambda: "ok",
}


def outcome(app: Flask, func):
    """What ensure_sync gives: the function itself, a wrapper, or the error it raises."""
    try:
        made = app.ensure_sync(func)
    except RuntimeError as exc:  # Flask without its async extra refuses coroutine functions
        return ("refused", str(exc))
    return ("same", None) if made is func else ("wrapped", None)


@pytest.mark.parametrize("name", CALLABLES)
def test_it_decides_as_flask_does(name):
    func = CALLABLES[name]
    flask = outcome(Flask(__name__), func)
    for _ in range(2):  # asked again, as on every request, the remembered answer is the same
        assert outcome(Chairops(__name__), func) == flask
