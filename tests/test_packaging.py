"""A non-editable install carries the scenarios, templates and static files."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_the_wheel_carries_data_and_finds_builtins_from_anywhere(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         str(ROOT), "-w", str(tmp_path / "dist")],
        check=True, capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("roleplay-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for builtin in (ROOT / "scenarios").glob("*.yaml"):
        assert f"roleplay/_data/scenarios/{builtin.name}" in names
    for template in (ROOT / "templates").glob("*.html"):
        assert f"roleplay/_data/templates/{template.name}" in names
    assert any(n.startswith("roleplay/web/static/") for n in names)
    for lang in ("ru", "az"):  # read at start: the .po files, no compiled .mo
        assert f"roleplay/translations/{lang}/LC_MESSAGES/messages.po" in names

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run(
        [sys.executable, "-c",
         "import roleplay, sys; assert roleplay.__file__.startswith(sys.argv[1]), roleplay.__file__;"
         "from roleplay.cli import main; raise SystemExit(main(['validate']))", str(target)],
        cwd=elsewhere, env=env, capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.count(": ok: ") == len(list((ROOT / "scenarios").glob("*.yaml")))
    assert str(target) in out.stdout
