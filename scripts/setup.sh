#!/usr/bin/env bash
# Set up everything on a fresh machine: a virtualenv with the package, and the
# browser libraries from the npm lockfile. Idempotent; pass --test for test extras.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="."
if [ "${1:-}" = "--test" ]; then extras=".[test]"; fi
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e "$extras"
if [ -f package-lock.json ]; then
  npm ci --silent --no-audit --no-fund
fi
