"""Hook points: how a lower layer hears about a higher one, per app.

A lower layer declares a :class:`Hook` at module level: a name and the type of
what plugs into it (a function, or a small description such as a timeline
source). The hook object holds nothing itself. ``create_app`` plugs the higher
layers' functions in (``register_hooks`` in ``emarac/__init__.py`` lists every
connection, and docs/architecture.md explains them), and the lower layer asks
the hook what the current app has plugged in.

What is plugged in lives in ``app.extensions``, so two apps in one process
never share hooks, and nothing is filled in at import time. Warehouse's
``includeme`` and Indico's named signals are the models; this is the smallest
typed version of the same idea.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, cast

from flask import Flask, current_app

T = TypeVar("T")

_EXTENSION = "emarac.hooks"


class Hook(Generic[T]):
    """A named place in a lower layer where higher layers plug in items of type ``T``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Hook({self.name!r})"

    def connect(self, app: Flask, item: T) -> None:
        """Plug ``item`` in for ``app``; connecting the same item twice is a wiring mistake."""
        items = _plugged(app).setdefault(self, [])
        if item in items:
            raise ValueError(f"{item!r} is already connected to {self.name}")
        items.append(item)

    def items(self, app: Flask | None = None) -> tuple[T, ...]:
        """What ``app`` (by default the current app) has plugged in, in the order connected."""
        found = _plugged(app if app is not None else current_app).get(self, [])
        return tuple(cast(list[T], found))


def init_app(app: Flask) -> None:
    """Give ``app`` its own, empty set of hooks (``create_app`` does this first)."""
    app.extensions[_EXTENSION] = {}


def _plugged(app: Flask) -> dict[Hook[Any], list[Any]]:
    try:
        return cast(dict[Hook[Any], list[Any]], app.extensions[_EXTENSION])
    except KeyError:
        # Without this an app built by hand would silently skip repeat detection,
        # case-closure checks and the rest: fail loudly instead.
        raise RuntimeError("hooks are not set up: build the app with create_app") from None
