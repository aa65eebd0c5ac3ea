#!/usr/bin/env bash
# Set up everything on a fresh machine: a virtualenv with the package, and the
# browser libraries from the npm lockfile. Idempotent; pass --test for test extras.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="."
if [ "${1:-}" = "--test" ]; then extras=".[test]"; fi
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
# setuptools: a fresh venv carries the interpreter's (65.5 here), with known advisories
# (CVE-2024-6345 below 70.0, CVE-2025-47273 below 78.1.1)
.venv/bin/python -m pip install --quiet --upgrade pip "setuptools>=78.1.1"
.venv/bin/python -m pip install --quiet -e "$extras"
if [ -f package-lock.json ]; then
  npm ci --silent --no-audit --no-fund
fi
