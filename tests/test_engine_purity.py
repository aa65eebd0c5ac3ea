"""The engine is pure: importing it pulls in no web, database or YAML library."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ["flask", "flask_socketio", "socketio", "engineio", "sqlmodel", "sqlalchemy",
             "yaml", "ruamel", "eventlet"]


def test_engine_and_scoring_import_no_io_library() -> None:
    code = (
        "import sys, importlib\n"
        "for m in ['roleplay.engine.commands', 'roleplay.engine.views', 'roleplay.engine.state',"
        " 'roleplay.strategy', 'roleplay.botclass', 'roleplay.scoring.problem']:\n"
        "    importlib.import_module(m)\n"
        "try:\n    importlib.import_module('roleplay.scoring')\nexcept ModuleNotFoundError:\n    pass\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
        "print(','.join(sorted(bad)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
