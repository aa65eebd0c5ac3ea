"""Threat 19: the dependency audit says what it audited (scripts/audit_report.py).

pip-audit alone prints "No known vulnerabilities found" when its advisory
service answered for no package: these check that the report reader fails on
an advisory, and says loudly what was not audited (failing then too with
ROLEPLAY_REQUIRE_AUDIT=1).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "audit_report.py"
SKIP = "Dependency not found on PyPI and could not be audited: {} ({})"


def _run(tmp_path: Path, report: dict[str, Any] | None, required: bool = False
         ) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "report.json"
    if report is not None:
        path.write_text(json.dumps(report))
    env = {**os.environ, "ROLEPLAY_REQUIRE_AUDIT": "1" if required else "0"}
    return subprocess.run([sys.executable, str(SCRIPT), str(path)], capture_output=True,
                          text=True, env=env, timeout=60)


def _skipped(name: str, version: str) -> dict[str, Any]:
    return {"name": name, "skip_reason": SKIP.format(name, version)}


def _clean(name: str, version: str) -> dict[str, Any]:
    return {"name": name, "version": version, "vulns": []}


@pytest.mark.parametrize("required", [False, True])
def test_an_audit_that_reached_no_advisory_says_nothing_was_audited(tmp_path: Path,
                                                                    required: bool) -> None:
    r = _run(tmp_path, {"dependencies": [_skipped("flask", "3.1.0"),
                                         _skipped("werkzeug", "3.1.3")], "fixes": []},
             required)
    assert "NOTHING WAS AUDITED" in r.stderr
    assert "flask 3.1.0" in r.stderr and "werkzeug 3.1.3" in r.stderr
    assert r.returncode == (1 if required else 0)


@pytest.mark.parametrize("required", [False, True])
def test_no_report_at_all_is_nothing_audited(tmp_path: Path, required: bool) -> None:
    r = _run(tmp_path, None, required)
    assert "NOTHING WAS AUDITED" in r.stderr
    assert r.returncode == (1 if required else 0)


def test_a_known_advisory_fails_whatever_else_was_skipped(tmp_path: Path) -> None:
    vulnerable = {"name": "setuptools", "version": "65.5.0",
                  "vulns": [{"id": "PYSEC-2025-49", "fix_versions": ["78.1.1"]}]}
    r = _run(tmp_path, {"dependencies": [vulnerable, _skipped("flask", "3.1.0")]})
    assert r.returncode == 1
    assert "setuptools 65.5.0: PYSEC-2025-49 (fixed in 78.1.1)" in r.stderr


def test_a_partial_audit_names_what_it_could_not_check(tmp_path: Path) -> None:
    report = {"dependencies": [_clean("flask", "3.1.0"), _skipped("roleplay-extra", "0.1")]}
    r = _run(tmp_path, report)
    assert r.returncode == 0 and "1 packages audited" in r.stderr
    assert "roleplay-extra 0.1" in r.stderr and "NOTHING" not in r.stderr
    assert _run(tmp_path, report, required=True).returncode == 1


def test_a_complete_clean_audit_passes_quietly(tmp_path: Path) -> None:
    r = _run(tmp_path, {"dependencies": [_clean("flask", "3.1.0"), _clean("pyyaml", "6.0.2")]})
    assert r.returncode == 0 and r.stderr == ""
    assert "all 2 installed packages audited" in r.stdout


def test_the_test_script_reads_the_report_and_setup_upgrades_setuptools() -> None:
    script = (ROOT / "scripts" / "test.sh").read_text()
    assert "-f json -o .pip-audit.json" in script
    assert "scripts/audit_report.py .pip-audit.json" in script
    assert "--npm-unavailable" in script
    assert '"setuptools>=78.1.1"' in (ROOT / "scripts" / "setup.sh").read_text()
    from importlib.metadata import version

    from packaging.version import Version

    assert Version(version("setuptools")) >= Version("78.1.1"), "run scripts/setup.sh"
