"""The one root exception; edges translate it into messages for people."""

from __future__ import annotations


class RoleplayError(Exception):
    """Anything the user can be told about in a sentence."""
