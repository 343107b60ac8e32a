#!/usr/bin/env bash
# Installs the API fuzzer schemathesis (PyPI, pinned) into a virtual environment under the
# project's cache folder, .cache/schemathesis/ (issue 27), with cryptography (PyPI, pinned: the
# Python Cryptographic Authority's library, wheels for every platform) for the Ed25519 signatures
# the fuzz test's hook makes (test/helpers/schemathesis_hooks.py, issue 22). Needs python3 with
# venv (Debian: apt-get install python3 python3-venv). Run again to repair; an installed pinned
# set is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
SCHEMATHESIS_VERSION=4.32.0
CRYPTOGRAPHY_VERSION=50.0.2
VENV=.cache/schemathesis
if ! command -v python3 >/dev/null; then
  echo "install-schemathesis: python3 is missing (Debian: apt-get install python3 python3-venv)" >&2
  exit 7
fi
installed() {
  "$VENV/bin/python" -c "
import importlib.metadata as m, sys
want = {'schemathesis': '$SCHEMATHESIS_VERSION', 'cryptography': '$CRYPTOGRAPHY_VERSION'}
try:
    sys.exit(any(m.version(p) != v for p, v in want.items()))
except m.PackageNotFoundError:
    sys.exit(1)
" 2>/dev/null
}
if [ -x "$VENV/bin/schemathesis" ] && installed; then
  echo "schemathesis $SCHEMATHESIS_VERSION and cryptography $CRYPTOGRAPHY_VERSION already in $VENV"
  exit 0
fi
python3 -m venv "$VENV" || { echo "install-schemathesis: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 7; }
"$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" "cryptography==$CRYPTOGRAPHY_VERSION"
echo "schemathesis $SCHEMATHESIS_VERSION and cryptography $CRYPTOGRAPHY_VERSION installed in $VENV"
