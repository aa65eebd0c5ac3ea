"""Where the built-in scenarios and templates are, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """`scenarios` or `templates`: inside the wheel, or at the top of a checkout."""
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


def scenarios_dir() -> Path:
    return data_dir("scenarios")


def templates_dir() -> Path:
    return data_dir("templates")
