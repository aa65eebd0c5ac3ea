"""One typed settings object: from arguments and ROLEPLAY_* environment variables."""

from __future__ import annotations

import os
import secrets
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

AsyncMode = Literal["eventlet", "threading"]

DEFAULT_DB = "sqlite:///roleplay.db"
#: `roleplay serve` listens on every interface unless told otherwise: a classroom laptop
#: on the room's Wi-Fi is the common case, and phones must reach it (docs/deployment.md)
SERVE_HOST = "0.0.0.0"


def check_public_url(url: str) -> str:
    """A public URL without its trailing slash, or ValueError saying what is wrong."""
    parts = urlsplit(url.strip())
    try:
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        raise ValueError("the public URL's port must be a number") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("the public URL must look like https://roleplay.example.edu")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("the public URL must have no query, fragment or user name")
    return url.strip().rstrip("/")


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    database_url: str = DEFAULT_DB
    message_queue: str | None = Field(None, description="redis://... for several workers")
    async_mode: AsyncMode = "eventlet"
    secret_key: str = Field(default_factory=lambda: secrets.token_hex(32))
    #: the instructor's password; when unset, a one-time token is generated at start
    instructor_password: str | None = None
    host: str = "127.0.0.1"
    #: the address students use, when a proxy stands between them and `host`
    #: (docs/deployment.md: "Where students join")
    public_url: str | None = None
    port: int = Field(5000, ge=0, le=65535)
    #: origins allowed to open sockets besides the app's own (for a reverse proxy)
    allowed_origins: tuple[str, ...] = ()
    max_upload_bytes: int = 256 * 1024
    #: joins per second per client address (0: no limit), and how many at once: a lecture
    #: of 300 behind one campus NAT address joins within a minute (120 + 3 a second)
    join_rate: float = Field(3.0, ge=0)
    join_burst: int = Field(120, ge=1)
    #: players (not removed) one game takes: what a script from one address can add to a
    #: lobby before the instructor locks it is bounded whatever the join bucket allows
    max_players: int = Field(600, ge=1)
    #: open socket connections per client address (a lecture behind one NAT address shares it)
    sockets_per_address: int = Field(2000, ge=1)
    #: socket handshakes per second per client address, 5 s worth at once (0: no limit,
    #: e.g. for load tests with a thousand simulated students on one machine)
    socket_handshake_rate: float = Field(20.0, ge=0)
    #: reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted
    proxy_hops: int = Field(0, ge=0, le=5)
    #: the session cookie is `Secure` over HTTPS; this makes it so on plain HTTP too (TLS
    #: ended by a proxy that is not among the trusted hops)
    cookie_secure: bool = False
    testing: bool = False

    @field_validator("secret_key")
    @classmethod
    def _no_default_secret(cls, v: str) -> str:
        if v in ("", "dev", "changeme", "secret") or len(v) < 16:
            raise ValueError("ROLEPLAY_SECRET_KEY must be a random string of 16+ characters")
        return v

    @field_validator("instructor_password")
    @classmethod
    def _strong_enough(cls, v: str | None) -> str | None:
        if v is not None and len(v) < 8:
            raise ValueError("ROLEPLAY_INSTRUCTOR_PASSWORD must have at least 8 characters")
        return v

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, v: str | None) -> str | None:
        return None if v is None or not v.strip() else check_public_url(v)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from ROLEPLAY_* variables, then explicit overrides (None = not given)."""
        env = os.environ
        values: dict[str, object] = {}
        mapping = {
            "database_url": "ROLEPLAY_DATABASE_URL",
            "message_queue": "ROLEPLAY_MESSAGE_QUEUE",
            "async_mode": "ROLEPLAY_ASYNC_MODE",
            "secret_key": "ROLEPLAY_SECRET_KEY",
            "instructor_password": "ROLEPLAY_INSTRUCTOR_PASSWORD",
            "host": "ROLEPLAY_HOST",
            "public_url": "ROLEPLAY_PUBLIC_URL",
            "port": "ROLEPLAY_PORT",
            "join_rate": "ROLEPLAY_JOIN_RATE",
            "join_burst": "ROLEPLAY_JOIN_BURST",
            "sockets_per_address": "ROLEPLAY_SOCKETS_PER_ADDRESS",
            "socket_handshake_rate": "ROLEPLAY_SOCKET_HANDSHAKE_RATE",
            "max_players": "ROLEPLAY_MAX_PLAYERS",
            "proxy_hops": "ROLEPLAY_PROXY_HOPS",
            "cookie_secure": "ROLEPLAY_COOKIE_SECURE",
        }
        for key, var in mapping.items():
            if env.get(var):
                values[key] = env[var]
        origins = env.get("ROLEPLAY_ALLOWED_ORIGINS")
        if origins:
            values["allowed_origins"] = tuple(o.strip() for o in origins.split(",") if o.strip())
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(values)
