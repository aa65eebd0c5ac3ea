"""Threat 19 (docs/security.md): dependencies with known advisories are excluded.

The live check is `pip-audit` and `npm audit --omit=dev` in scripts/test.sh (they ask
the registries' advisory databases, which CI reaches). These tests hold the floors in
place offline: the declared minimums stay above the advisories, what is installed
meets them, and the audit step stays in the script.
"""

from __future__ import annotations

import json
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]

#: package -> (first safe version, advisories below it)
PYTHON_FLOORS = {
    "python-socketio": ("5.16.2", "CVE-2025-61765, CVE-2026-48804"),
    "python-engineio": ("4.13.2", "CVE-2026-48802, CVE-2026-48809"),
    "eventlet": ("0.40.3", "CVE-2021-21419, CVE-2025-58068"),
    "werkzeug": ("3.1.0", "CVE-2026-45421"),
}
NPM_FLOORS = {
    "socket.io-parser": ("4.2.3", "CVE-2023-32695"),
    "ws": ("8.17.1", "CVE-2024-37890"),
}


def _declared() -> dict[str, Requirement]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in meta["dependencies"]]
    return {r.name.lower(): r for r in reqs}


@pytest.mark.parametrize("name", sorted(PYTHON_FLOORS))
def test_declared_minimums_are_above_the_advisories(name: str) -> None:
    floor, advisories = PYTHON_FLOORS[name]
    req = _declared().get(name)
    assert req is not None, f"{name} is not pinned in pyproject.toml ({advisories})"
    lows = [Version(s.version) for s in req.specifier if s.operator in (">=", ">", "==", "~=")]
    assert lows and min(lows) >= Version(floor), f"{name} {req.specifier} allows {advisories}"


@pytest.mark.parametrize("name", sorted(PYTHON_FLOORS))
def test_installed_versions_meet_the_floors(name: str) -> None:
    floor, advisories = PYTHON_FLOORS[name]
    assert Version(version(name)) >= Version(floor), f"installed {name} has {advisories}"


def test_browser_libraries_in_the_lockfile_meet_the_floors() -> None:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    packages = {k.rsplit("node_modules/", 1)[-1]: v["version"]
                for k, v in lock["packages"].items() if k}
    for name, (floor, advisories) in NPM_FLOORS.items():
        if name in packages:
            assert Version(packages[name]) >= Version(floor), f"{name} has {advisories}"
    assert "socket.io-client" in packages


def test_the_audit_runs_in_the_test_script_and_fails_it() -> None:
    script = (ROOT / "scripts" / "test.sh").read_text()
    assert "set -euo pipefail" in script  # a failing audit fails the run
    assert re.search(r"pip-audit\b", script)
    assert re.search(r"npm audit --omit=dev", script)
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]["test"]
    assert any(Requirement(r).name == "pip-audit" for r in extras)
