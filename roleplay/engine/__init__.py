"""The pure game engine: events, state as a fold over them, commands, and views.

Imports no Flask, Socket.IO, SQL or YAML library (tests/test_engine_purity.py).
"""
