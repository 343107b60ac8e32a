#!/usr/bin/env bash
# Installs the API fuzzer schemathesis (PyPI, pinned) into a virtual environment under the
# project's cache folder, .cache/schemathesis/ (issue 27). Needs python3 with venv (Debian:
# apt-get install python3 python3-venv). Run again to repair; an installed pinned version is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.32.0
VENV=.cache/schemathesis
if ! command -v python3 >/dev/null; then
  echo "install-schemathesis: python3 is missing (Debian: apt-get install python3 python3-venv)" >&2
  exit 7
fi
if [ -x "$VENV/bin/schemathesis" ] && "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('schemathesis') != '$VERSION')" 2>/dev/null; then
  echo "schemathesis $VERSION already in $VENV"
  exit 0
fi
python3 -m venv "$VENV" || { echo "install-schemathesis: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 7; }
"$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION"
echo "schemathesis $VERSION installed in $VENV"
