"""SQLModel tables: games, their append-only event logs, player tokens, ended logins."""

from __future__ import annotations

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class GameRow(SQLModel, table=True):
    __tablename__ = "game"

    id: str = Field(primary_key=True, max_length=32)
    code: str = Field(index=True, unique=True, max_length=16)
    title: str = Field(max_length=200)
    scenario_id: str = Field(max_length=40)
    scenario_hash: str = Field(max_length=64)
    created_at: float
    finished_at: float | None = None
    #: the GameSetup as JSON: the scenario(s) as they were when the game was created
    setup_json: str = Field(sa_column=Column(Text, nullable=False))


class EventRow(SQLModel, table=True):
    """One event. (game_id, seq) is unique: a stale writer fails and retries.

    (game_id, client_id) is unique too, so a retried command is stored once
    (NULL client ids do not collide, in SQLite and PostgreSQL alike).
    """

    __tablename__ = "event"
    __table_args__ = (
        UniqueConstraint("game_id", "seq", name="uq_event_game_seq"),
        UniqueConstraint("game_id", "client_id", name="uq_event_game_client"),
        Index("ix_event_game_seq", "game_id", "seq"),
    )

    id: int | None = Field(default=None, primary_key=True)
    game_id: str = Field(foreign_key="game.id", max_length=32)
    seq: int
    type: str = Field(max_length=40)
    at: float
    actor: str = Field(max_length=64)
    audience_json: str = Field(sa_column=Column(Text, nullable=False))
    data_json: str = Field(sa_column=Column(Text, nullable=False))
    client_id: str | None = Field(default=None, max_length=64)


class PlayerTokenRow(SQLModel, table=True):
    """A player's secret, stored only as a SHA-256 hash."""

    __tablename__ = "player_token"

    game_id: str = Field(foreign_key="game.id", primary_key=True, max_length=32)
    player_id: str = Field(primary_key=True, max_length=64)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    revoked: bool = False


class EndedLoginRow(SQLModel, table=True):
    """An instructor login ended by logging out (its key's SHA-256), shared by every worker.

    Kept for the session lifetime after the logout: by then every copy of its
    cookie has expired (a request with an ended login also drops it from the
    cookie, so a copy cannot be kept fresh).
    """

    __tablename__ = "ended_login"

    key_hash: str = Field(primary_key=True, max_length=64)
    ended_at: float = Field(index=True)


class ScenarioRow(SQLModel, table=True):
    """A scenario an instructor uploaded (built-in ones live in the package)."""

    __tablename__ = "uploaded_scenario"

    id: int | None = Field(default=None, primary_key=True)
    scenario_id: str = Field(max_length=40, index=True)
    title: str = Field(max_length=200)
    yaml_text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: float
