"""Scoring: pure functions from a scenario and a table's record to scores.

Imports only the standard library, numpy, the scenario model and the engine's
records (never flask, sqlmodel or yaml). See docs/scoring.md for every formula.
"""

from .measures import TYPE_LABELS, Differentiation
from .space import ScoringError, Space, build_space
from .table import (
    Efficiency,
    GameScores,
    RolePercentile,
    RoleScore,
    SidePower,
    Solution,
    TableScore,
    score_game,
    score_table,
)

__all__ = [
    "TYPE_LABELS",
    "Differentiation",
    "Efficiency",
    "GameScores",
    "RolePercentile",
    "RoleScore",
    "ScoringError",
    "SidePower",
    "Solution",
    "Space",
    "TableScore",
    "build_space",
    "score_game",
    "score_table",
]
