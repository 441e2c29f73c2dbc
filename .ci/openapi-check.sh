#!/usr/bin/env bash
# Validates generated/openapi.yaml with independent Python tools (see check_openapi.py):
# the document against the OpenAPI 3.0 rules, and every example in it against its schema.
# Installs the validators into a throwaway virtualenv; needs python3 and access to PyPI.
# Usage: .ci/openapi-check.sh [path/to/openapi.yaml [--responses FILE]]
# With --responses, also checks the emulator responses recorded in FILE (see check_openapi.py),
# strictly: a key the spec does not declare fails, though the export itself allows extra keys.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
doc="${1:-$root/generated/openapi.yaml}"
shift || true

venv="$(mktemp -d "${TMPDIR:-/tmp}/openapi-check.XXXXXX")"
trap 'rm -rf "$venv"' EXIT

python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  "openapi-spec-validator==0.9.0" \
  "openapi-schema-validator==0.9.0" \
  "PyYAML>=6"

"$venv/bin/python" "$root/.ci/check_openapi.py" "$doc" "$@"
