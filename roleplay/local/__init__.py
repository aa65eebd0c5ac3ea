"""The app and the bots together in one process: `roleplay demo` (demo.py) and a
simulated class on a server of its own (server.py). Neither roleplay.web nor roleplay.bots
imports this package."""
