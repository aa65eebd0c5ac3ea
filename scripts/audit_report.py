"""Read pip-audit's JSON report and say what was, and what was not, audited.

pip-audit prints "No known vulnerabilities found" even when its advisory
service answered for no package at all (a mirror without the advisory API):
every package is then only "skipped", and the audit audited nothing. This
reads the report and

* fails (exit 1) on any known vulnerability, naming package, advisory and fix;
* says loudly which packages could not be checked, and that nothing was
  audited when that is all of them (or the report is missing: pip-audit could
  not run); exit 0 so that a run without an advisory service can still test,
  unless ROLEPLAY_REQUIRE_AUDIT=1 (set it where the service is reachable),
  which makes an incomplete audit fail too.

    pip-audit --skip-editable -f json -o report.json; python scripts/audit_report.py report.json
    python scripts/audit_report.py --npm-unavailable package-lock.json

docs/security.md, threat 19.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

BAR = "!" * 78


def _loud(lines: list[str]) -> None:
    print(BAR, *(f"!! {line}" for line in lines), BAR, sep="\n", file=sys.stderr, flush=True)


def _wrap(names: list[str], width: int = 72) -> list[str]:
    out, line = [], ""
    for n in names:
        if line and len(line) + len(n) + 2 > width:
            out.append(line + ",")
            line = ""
        line = f"{line}, {n}" if line else n
    return [*out, line] if line else out


def _incomplete(required: bool) -> int:
    if required:
        print("ROLEPLAY_REQUIRE_AUDIT=1: an incomplete audit fails the run.", file=sys.stderr)
        return 1
    return 0


def _named(dep: dict[str, Any]) -> str:
    """'name version' of a skipped package (its version is only in the reason's text)."""
    version = dep.get("version") or (re.findall(r"\(([^()]+)\)\s*$", dep["skip_reason"]) or [""])[0]
    return f"{dep['name']} {version}".strip()


def python_report(path: Path, required: bool) -> int:
    try:
        report: dict[str, Any] = json.loads(path.read_text())
        deps = list(report["dependencies"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        _loud(["pip-audit: NOTHING WAS AUDITED.",
               f"It wrote no usable report ({type(e).__name__}: {e});",
               "its advisory service may be unreachable. No Python package was checked."])
        return _incomplete(required)
    skipped = sorted(_named(d) for d in deps if d.get("skip_reason"))
    audited = [d for d in deps if not d.get("skip_reason")]
    vulnerable = [d for d in audited if d.get("vulns")]
    for d in vulnerable:
        for v in d["vulns"]:
            fixes = ", ".join(v.get("fix_versions") or []) or "no fixed version"
            print(f"pip-audit: {d['name']} {d['version']}: {v['id']} (fixed in {fixes})",
                  file=sys.stderr)
    if vulnerable:
        print(f"pip-audit: {len(vulnerable)} installed packages have known advisories.",
              file=sys.stderr)
        return 1
    if not audited:
        _loud([f"pip-audit: NOTHING WAS AUDITED. Its advisory service answered for none of the "
               f"{len(deps)}", "installed packages ('No known vulnerabilities' above means "
               "nothing). Not checked:", *_wrap(skipped)])
        return _incomplete(required)
    if skipped:
        _loud([f"pip-audit: {len(audited)} packages audited, none with a known advisory;",
               f"{len(skipped)} could not be checked:", *_wrap(skipped)])
        return _incomplete(required)
    print(f"pip-audit: all {len(audited)} installed packages audited; no known advisory.")
    return 0


def npm_unavailable(lockfile: Path, required: bool) -> int:
    lock = json.loads(lockfile.read_text())
    names = sorted(f"{k.rsplit('node_modules/', 1)[-1]} {v.get('version', '')}"
                   for k, v in lock.get("packages", {}).items() if k and not v.get("dev"))
    _loud(["npm audit: NOTHING WAS AUDITED. The registry's advisory endpoint did not answer.",
           "Not checked (what the pages load):", *_wrap(names)])
    return _incomplete(required)


def main(argv: list[str]) -> int:
    required = os.environ.get("ROLEPLAY_REQUIRE_AUDIT") == "1"
    if len(argv) == 2 and argv[0] == "--npm-unavailable":
        return npm_unavailable(Path(argv[1]), required)
    if len(argv) == 1:
        return python_report(Path(argv[0]), required)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
