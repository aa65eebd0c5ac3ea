"""Schema errors in plain words, and a repaired copy of the data to cross-check anyway.

pydantic reports what is wrong at a path; this module turns each report into a
sentence with the fix (the nearest known key for a misspelt one, quotes for a
version written as a number, true/false for yes/no) and, where a mistake can be
set aside without changing the meaning of the rest, returns the data with it set
aside so that the cross-checks run in the same pass.
"""

from __future__ import annotations

import copy
import difflib
import json
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from roleplay.scenario.model import ID_PATTERN

Loc = tuple[str | int, ...]
_WORDS = {"yes": True, "no": False, "on": True, "off": False, "y": True, "n": False}


class Located(Protocol):
    name: str
    raw: dict[Loc, str]

    def where(self, path: Loc) -> tuple[int, int]: ...


@dataclass
class Explained:
    messages: list[tuple[Loc, str]] = field(default_factory=list)  # (path for the line, text)
    repaired: dict[str, Any] | None = None  # None: some mistake cannot be set aside
    set_aside: list[Loc] = field(default_factory=list)


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types an annotation allows (Optional and Annotated peeled off)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for a in typing.get_args(annotation) for t in _unwrap(a) if t is not type(None)]
    return [annotation]


def _step(annotation: Any, part: str | int) -> Any:
    for t in _unwrap(annotation):
        origin = typing.get_origin(t)
        if isinstance(part, int) and origin in (tuple, list):
            return typing.get_args(t)[0]
        if isinstance(part, str) and origin is dict:
            return typing.get_args(t)[1]
        if isinstance(part, str) and isinstance(t, type) and issubclass(t, BaseModel):
            info = t.model_fields.get(part)
            return info.annotation if info is not None else None
    return None


def model_at(root: type[BaseModel], path: Loc) -> type[BaseModel] | None:
    """The model class whose keys live at this path of the file, if any."""
    annotation: Any = root
    for part in path:
        annotation = _step(annotation, part)
        if annotation is None:
            return None
    for t in _unwrap(annotation):
        if isinstance(t, type) and issubclass(t, BaseModel):
            return t
    return None


def _field_required(root: type[BaseModel], path: Loc) -> bool:
    model = model_at(root, path[:-1])
    if model is None or not isinstance(path[-1], str):
        return True
    info = model.model_fields.get(path[-1])
    return info is None or info.is_required()


def _get(data: Any, path: Loc) -> Any:
    for part in path:
        data = data[part]
    return data


def _clean(loc: tuple[Any, ...]) -> Loc:
    return tuple(p for p in loc if not (isinstance(p, str) and p.startswith("function-")))


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def explain(err: ValidationError, root: type[BaseModel], data: dict[str, Any],
            reader: Located) -> Explained:
    out = Explained()
    repaired: dict[str, Any] | None = copy.deepcopy(data)
    errs = err.errors(include_url=False)
    # A list with a bad item also reports "too short" (the bad item was dropped): skip that.
    inner = {tuple(e["loc"][:n]) for e in errs for n in range(len(e["loc"]))}
    missing = {_clean(e["loc"]) for e in errs if e["type"] == "missing"}
    renamed: set[Loc] = set()
    for e in errs:
        loc = _clean(e["loc"])
        if e["type"] == "too_short" and tuple(e["loc"]) in inner:
            continue
        kind, key = e["type"], loc[-1] if loc else ""
        if kind == "missing":
            continue  # reported after the loop, unless a misspelt key explains it
        if kind == "extra_forbidden" and isinstance(key, str):
            model = model_at(root, loc[:-1])
            known = sorted(model.model_fields) if model is not None else []
            near = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            if near:
                msg = f"unknown key '{key}' — did you mean '{near[0]}'?"
                target = (*loc[:-1], near[0])
                if target in missing and target not in renamed:
                    renamed.add(target)
                    repaired = _rename(repaired, loc, near[0])
                else:
                    repaired = _drop(repaired, loc)
            else:
                msg = f"unknown key '{key}'; the keys allowed here are: {', '.join(known)}"
                repaired = _drop(repaired, loc)
            out.messages.append((loc, msg))
            out.set_aside.append(loc)
            continue
        value = e.get("input")
        raw = reader.raw.get(loc)
        if kind == "string_type" and isinstance(value, (int, float)) and not isinstance(value, bool):
            written = raw if raw is not None else str(value)
            msg = (f"this is text, but {written} reads as a number: put it in quotes, "
                   f"{_dotted_key(key)}: \"{written}\"")
            repaired = _set(repaired, loc, written)
            out.messages.append((loc, msg))
            continue
        elif kind == "bool_type" and isinstance(value, str):
            word = value.lower()
            msg = f"write true or false here (got '{value}')"
            if word in _WORDS:
                msg += f"; did you mean {key}: {'true' if _WORDS[word] else 'false'}?"
                repaired = _set(repaired, loc, _WORDS[word])
                out.messages.append((loc, msg))
                continue
        elif kind in _SHAPES:
            msg = _SHAPES[kind]
        elif kind.endswith("_type") and value is None:
            msg = "nothing is written after this key; write its value here"
        elif kind == "string_pattern_mismatch" and e.get("ctx", {}).get("pattern") == ID_PATTERN:
            msg = (f"an id is lowercase letters, digits, '_' or '-', starting with a letter, "
                   f"at most 40 (got {_shown(value)})")
        elif "input" in e:
            msg = f"{_plain(e['msg'])} (got {_shown(value)})"
        else:
            msg = _plain(e["msg"])
        out.messages.append((loc, msg))
        if _field_required(root, loc):
            repaired = None
        else:
            repaired = _drop(repaired, loc)
            out.set_aside.append(loc)
    for loc in sorted(missing - renamed, key=str):
        out.messages.append((loc, f"missing required key '{loc[-1]}'"))
        repaired = None
    out.repaired = repaired
    return out


#: What a value of the wrong shape should look like, in the words of the file.
_SHAPES = {
    "tuple_type": "expected a list here: one item per line, each starting with '- '",
    "list_type": "expected a list here: one item per line, each starting with '- '",
    "dict_type": "expected 'key: value' lines here, indented under this key",
    "model_type": "expected 'key: value' lines here, indented under this key",
}


def _plain(msg: str) -> str:
    """pydantic's words without its jargon: 'Input should be a valid number' -> 'should be...'."""
    msg = msg.replace("Input should be a valid number, unable to parse string as a number",
                      "should be a number")
    msg = msg.replace("Input should be a valid integer, unable to parse string as an integer",
                      "should be a whole number")
    return msg.replace("Input should be", "should be").replace("Value error, ", "")


def _dotted_key(key: str | int) -> str:
    return str(key) if isinstance(key, str) else "-"


def _parent(data: dict[str, Any] | None, loc: Loc) -> tuple[dict[str, Any], str] | None:
    """The mapping holding the key at loc, and that key; None if there is no such key."""
    if not loc or not isinstance(loc[-1], str):
        return None
    try:
        parent = _get(data, loc[:-1])
    except (KeyError, IndexError, TypeError):
        return None
    return (parent, loc[-1]) if isinstance(parent, dict) and loc[-1] in parent else None


def _drop(data: dict[str, Any] | None, loc: Loc) -> dict[str, Any] | None:
    """The data without the key at loc, or None when that cannot be done."""
    found = _parent(data, loc)
    if found is None:
        return None
    found[0].pop(found[1])
    return data


def _rename(data: dict[str, Any] | None, loc: Loc, new: str) -> dict[str, Any] | None:
    found = _parent(data, loc)
    if found is None:
        return None
    found[0][new] = found[0].pop(found[1])
    return data


def _set(data: dict[str, Any] | None, loc: Loc, value: Any) -> dict[str, Any] | None:
    found = _parent(data, loc)
    if found is None:
        return None
    found[0][found[1]] = value
    return data
