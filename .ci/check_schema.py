"""Checks spec/schema.json with an independent JSON Schema validator (python-jsonschema).

1. Every spec/*.yaml file is valid against the schema.
2. A copy of a spec file with a misspelt key (`nullable` written `nulable`) is invalid, and the
   error lands on the object that holds the bad key and names it, rather than on an enclosing
   key such as `/types`.

Usage: python check_schema.py SPEC_DIR
"""

import glob
import json
import os
import sys

import jsonschema
import yaml


def main() -> int:
    spec_dir = sys.argv[1]
    with open(os.path.join(spec_dir, "schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)

    failures = 0
    files = sorted(glob.glob(os.path.join(spec_dir, "*.yaml")))
    if not files:
        print(f"no spec files in {spec_dir}")
        return 1
    typo_source = None
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        errors = list(validator.iter_errors(yaml.safe_load(text)))
        for e in errors:
            failures += 1
            print(f"{path}: /{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}")
        if typo_source is None and "\n        nullable: true" in text:
            typo_source = (path, text)

    if typo_source is None:
        print("no spec file has a block-style `nullable: true` to misspell")
        return 1
    path, text = typo_source
    broken = text.replace("\n        nullable: true", "\n        nulable: true", 1)
    errors = list(validator.iter_errors(yaml.safe_load(broken)))
    # Where the typo is: the field mapping that holds it.
    line = broken[: broken.index("nulable: true")].count("\n")
    lines = broken.split("\n")
    field = next(l.strip().rstrip(":") for l in reversed(lines[:line]) if l.startswith("      ") and not l.startswith("       "))
    if len(errors) != 1:
        print(f"a misspelt key gives {len(errors)} errors, expected 1:")
        for e in errors:
            print(f"  /{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}")
        return 1
    error = errors[0]
    where = list(map(str, error.absolute_path))
    if len(where) < 4 or where[0] != "types" or where[2] != "fields" or where[3] != field or "nulable" not in error.message:
        print(f"the typo in {path} is reported at /{'/'.join(where)} ({error.message[:200]}), not at field `{field}`")
        return 1
    print(f"{len(files)} spec files valid; a misspelt key is reported at /{'/'.join(where)}: {error.message}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
