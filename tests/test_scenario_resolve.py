"""One resolver for a scenario reference: the command line's files and built-in names,
the library's `builtin:` / `campaign:` / `upload:` references, and never a path from
the web."""

from __future__ import annotations

from pathlib import Path

import pytest

from roleplay.scenario.loader import CampaignBundle
from roleplay.scenario.model import Scenario
from roleplay.scenario.resolve import ScenarioNotFound, resolve_source
from roleplay.service import NotFound
from roleplay.storage.db import make_engine
from roleplay.storage.eventstore import EventStore
from roleplay.web import library

DATA = Path(__file__).parent / "data"


def test_built_ins_by_file_stem_id_and_library_reference() -> None:
    by_stem = resolve_source("strategic-partnership")
    assert isinstance(by_stem, Scenario)
    assert resolve_source(f"builtin:{by_stem.id}") == by_stem
    with pytest.raises(ScenarioNotFound):  # the library names built-ins with their prefix
        resolve_source(by_stem.id, files=False)
    campaign = resolve_source("campaign:campaign-2010-2016")
    assert isinstance(campaign, CampaignBundle)
    assert isinstance(resolve_source("campaign-2010-2016"), CampaignBundle)


def test_a_file_for_the_command_line_only() -> None:
    path = str(DATA / "worked-example.yaml")
    assert isinstance(resolve_source(path), Scenario)
    with pytest.raises(ScenarioNotFound, match="No such scenario in the library"):
        resolve_source(path, files=False)


def test_an_unknown_name_lists_the_built_ins() -> None:
    with pytest.raises(ScenarioNotFound, match=r"Built-in: .*strategic-partnership"):
        resolve_source("no-such-scenario")
    with pytest.raises(ScenarioNotFound):
        resolve_source("builtin:no-such-scenario")


def test_an_upload_through_the_reader_it_is_given() -> None:
    text = (DATA / "worked-example.yaml").read_text(encoding="utf-8")
    asked: list[int] = []

    def reader(number: int) -> tuple[str, str] | None:
        asked.append(number)
        return (text, "mine.yaml") if number == 7 else None

    assert isinstance(resolve_source("upload:7", uploaded=reader, files=False), Scenario)
    with pytest.raises(ScenarioNotFound):
        resolve_source("upload:8", uploaded=reader, files=False)
    assert asked == [7, 8]


def test_the_library_resolves_its_references_and_refuses_paths() -> None:
    store = EventStore(make_engine("sqlite://"))
    assert isinstance(library.resolve(store, "builtin:strategic-partnership"), Scenario)
    assert isinstance(library.resolve(store, "campaign:campaign-2010-2016"), CampaignBundle)
    for ref in (str(DATA / "worked-example.yaml"), "strategic-partnership", "upload:1"):
        with pytest.raises(NotFound):
            library.resolve(store, ref)
    row = library.upload(store, (DATA / "worked-example.yaml").read_bytes(), "w.yaml")
    assert isinstance(library.resolve(store, f"upload:{row.id}"), Scenario)
