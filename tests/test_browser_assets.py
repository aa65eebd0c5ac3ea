"""The pages' files, without a browser: vendored libraries match the lockfile, no
inline script, no CDN, and data never goes into HTML from script."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "roleplay" / "web" / "static"
TEMPLATES = ROOT / "templates"
OWN_JS = sorted(p for p in STATIC.rglob("*.js") if "vendor" not in p.relative_to(STATIC).parts)


def test_vendored_socket_io_matches_the_lockfile() -> None:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/socket.io-client"]["version"]
    wanted = json.loads((ROOT / "package.json").read_text())["dependencies"]["socket.io-client"]
    assert pinned == wanted, "package.json and package-lock.json disagree"
    vendored = (STATIC / "vendor" / "socket.io.min.js").read_text(encoding="utf-8")
    assert f"Socket.IO v{pinned}" in vendored[:200], "run `npm ci` and commit static/vendor/"
    assert f"socket.io-client {pinned}" in (STATIC / "vendor" / "VERSIONS.txt").read_text()


def test_templates_have_no_inline_script_or_style_and_no_cdn() -> None:
    for path in sorted(TEMPLATES.glob("*.html")):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, f"{path.name}: inline {tag}"
        assert not re.search(r"\son[a-z]+\s*=", text), f"{path.name}: inline event handler"
        assert "<style" not in text and " style=" not in text, f"{path.name}: inline style (CSP)"
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), f"{path.name}: remote asset"


def test_scripts_insert_text_never_html() -> None:
    assert OWN_JS, "no page scripts found"
    for path in OWN_JS:
        text = path.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                     "new Function", "setAttribute(\"style\""):
            assert sink not in text, f"{path.name} uses {sink}"
        assert not re.search(r"https?://", text), f"{path.name} names a remote URL"
