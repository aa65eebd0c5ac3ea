"""The client's side of the instructor's `view_patch` messages (roleplay/web/dashboard.py
sends them): how a patch folds into the whole view a client holds.

It is part of the protocol, not of the server, so the bots and the tests use it without
importing the web layer; instructor.js has the same rule.
"""

from __future__ import annotations

from typing import Any


def merge_patch(view: dict[str, Any], patch: dict[str, Any], seqs: dict[str, int]) -> bool:
    """Apply a `view_patch` to a whole instructor view, in place.

    `seqs` maps "game", "results", "table:<id>" and "player:<id>" to the `seq` of
    the state each part of `view` came from; a part not in it came with the
    whole view (its `game.seq`). Start with an empty dict for every whole view.
    Returns False when the patch is newer and of another step (a campaign moved
    on): the client should then ask for a `sync`.
    """
    default = seqs.setdefault("*", int(view["game"]["seq"]))  # the whole view's own seq
    seq = int(patch["seq"])
    if patch["step"] != view["game"]["step"]:
        return seq < seqs.get("game", default)
    if seq >= seqs.get("game", default):
        view["game"] = patch["game"]
        if "controls" in patch:  # which controls make sense changes with the game's status
            view["controls"] = patch["controls"]
        seqs["game"] = seq
    for kind, parts, new in (("table", view["tables"], patch["tables"]),
                             ("player", view["players"], patch["players"])):
        index = {part["id"]: i for i, part in enumerate(parts)}
        for part in new:
            key = f"{kind}:{part['id']}"
            if seq < seqs.get(key, default):
                continue  # this copy is older than the one held
            seqs[key] = seq
            if part["id"] in index:
                parts[index[part["id"]]] = part
            else:
                index[part["id"]] = len(parts)
                parts.append(part)
    if "results" in patch and seq >= seqs.get("results", default):
        view["results"] = patch["results"]
        seqs["results"] = seq
    view["tables"].sort(key=lambda t: t["id"])
    return True
