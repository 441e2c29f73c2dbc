#!/usr/bin/env bash
# Validates spec/*.yaml against spec/schema.json with an independent validator
# (python-jsonschema, see check_schema.py), and checks that a misspelt key is reported at the
# key. Installs the validator into a throwaway virtualenv; needs python3 and access to PyPI.
# Usage: .ci/schema-check.sh [path/to/spec]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
spec="${1:-$root/spec}"

venv="$(mktemp -d "${TMPDIR:-/tmp}/schema-check.XXXXXX")"
trap 'rm -rf "$venv"' EXIT

python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  "jsonschema==4.26.0" \
  "PyYAML>=6"

"$venv/bin/python" "$root/.ci/check_schema.py" "$spec"
