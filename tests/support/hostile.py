"""Hostile text for the injection tests: markup, a script end tag and a `javascript:` link,
and the four-role scenario carrying them in every field a page shows."""

from __future__ import annotations

import yaml

from support.web import FOUR_ROLES_YAML

XSS = ["<img src=x onerror=alert(1)>", "</script><script>alert(2)",
       "javascript:alert(3)"]


def xss_scenario_yaml() -> str:
    data = yaml.safe_load(FOUR_ROLES_YAML)
    data["title"] = "Title " + XSS[0] + XSS[1]
    data["summary"] = "Summary " + XSS[2]
    data["background"] = "[click](javascript:alert(4)) " + XSS[0]
    data["issues"][0]["title"] = "Issue " + XSS[1]
    data["issues"][0]["options"][0]["label"] = "Option " + XSS[0]
    data["roles"][0]["briefing"]["public"] = "Brief " + XSS[1]
    data["roles"][0]["name"] = "EU " + XSS[0]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
