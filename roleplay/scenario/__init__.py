"""Scenario files: the format (model), its cross-checks and the safe YAML loader."""
