"""What the multi-worker tests share: the workers' instructor password and the chat channel
each role of association-agreement talks on."""

from __future__ import annotations

PASSWORD = "multi-worker-test-password"
CHANNEL = {"eu": "non_governmental", "civil_society": "non_governmental",
           "government": "unofficial", "lobbyist": "unofficial"}
