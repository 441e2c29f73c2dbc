#!/usr/bin/env python3
"""Validates the exported OpenAPI document with independent tools.

1. The document itself, with `openapi-spec-validator` (OpenAPI 3.0 rules and schema).
2. Every example in it against its schema, with `openapi-schema-validator`'s OAS 3.0 validator:
   request, response and parameter examples of operations (`example` and `examples`), and the
   `example` / `x-examples` of component schemas. `#/components/...` references resolve
   against the document. `date` and `date-time` formats are checked too (`date-time` as ISO 8601
   with an optional UTC offset, because Ringg sends both).

3. With `--responses FILE`: every line of FILE (`{"operation": "calling.history", "body": ...}`,
   as the emulator records them under `RINGG_EMULATOR_RECORD`) against the 200 response
   schema of that operation (`operationId` `calling_history`), strictly: the export lets
   clients meet keys it does not declare (Ringg sends more than it documents), but the emulator
   is generated from the spec and must send none, so for these every object schema that
   declares `properties` and says nothing of `additionalProperties` is checked as closed
   (`additionalProperties: false`). A key left behind by a rename fails here.

Usage: check_openapi.py generated/openapi.yaml [--responses FILE]
Prints a count of validated examples; exits non-zero on any error.
"""

import json
import re
import sys

import yaml
from jsonschema import FormatChecker
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from jsonschema_path import SchemaPath
from openapi_spec_validator import OpenAPIV30SpecValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

DOC_URI = "urn:ringg:openapi"
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$"
)


def format_checker() -> FormatChecker:
    checker = FormatChecker()
    for name, func in oas30_format_checker.checkers.items():
        checker.checkers[name] = func
    checker.checks("date")(lambda v: not isinstance(v, str) or bool(DATE.match(v)))
    checker.checks("date-time")(lambda v: not isinstance(v, str) or bool(DATE_TIME.match(v)))
    return checker


class NoDuplicatesLoader(yaml.SafeLoader):
    """A YAML loader that rejects duplicate keys (PyYAML silently keeps the last)."""


def _mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


NoDuplicatesLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping
)


def examples_to_check(doc):
    """Yields (where, schema, value) for every example in the document."""
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        where = f"components.schemas.{name}"
        if "example" in schema:
            yield f"{where}.example", schema, schema["example"]
        for i, value in enumerate(schema.get("x-examples", [])):
            yield f"{where}.x-examples[{i}]", schema, value
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method not in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
                continue
            where = f"{method.upper()} {path}"
            for param in op.get("parameters", []):
                yield from media_examples(
                    f"{where} parameter {param.get('name')}", param
                )
            for media_type, media in op.get("requestBody", {}).get("content", {}).items():
                yield from media_examples(f"{where} request {media_type}", media)
            for status, response in op.get("responses", {}).items():
                for media_type, media in response.get("content", {}).items():
                    yield from media_examples(f"{where} response {status} {media_type}", media)


def media_examples(where, media):
    schema = media.get("schema")
    if "example" in media:
        yield f"{where} example", schema, media["example"]
    for key, example in media.get("examples", {}).items():
        if "$ref" in example:
            raise SystemExit(f"{where}: example {key} is a $ref; resolve it in check_openapi.py")
        yield f"{where} examples.{key}", schema, example.get("value")


def composed(doc):
    """Names of component schemas that are members of an `allOf` of several schemas (tagged
    union variants, flattened choices): such a member sees only part of the object, so it
    cannot be closed on its own in OpenAPI 3.0 and stays open."""
    names = set()

    def walk(node):
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            members = node.get("allOf")
            if isinstance(members, list) and len(members) > 1:
                for member in members:
                    ref = member.get("$ref", "") if isinstance(member, dict) else ""
                    if ref.startswith("#/components/schemas/"):
                        names.add(ref.rsplit("/", 1)[1])
            for value in node.values():
                walk(value)

    walk(doc)
    return names


def closed(node, keep_open=frozenset(), name=None):
    """A copy of a schema (or of a whole document) in which every object schema that declares
    `properties` and leaves `additionalProperties` unset is closed to undeclared keys, except
    the component schemas named in `keep_open` and inline members of an `allOf` of several."""
    if isinstance(node, list):
        return [closed(item, keep_open) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "schemas" and isinstance(value, dict):
            out[key] = {n: closed(v, keep_open, n) for n, v in value.items()}
        elif key == "allOf" and isinstance(value, list) and len(value) > 1:
            out[key] = [v if "$ref" in v else dict(v) for v in value]
        else:
            out[key] = closed(value, keep_open)
    if isinstance(node.get("properties"), dict) and "additionalProperties" not in node and name not in keep_open:
        out["additionalProperties"] = False
    return out


def responses_to_check(doc, path):
    """Yields (where, schema, value) for every recorded emulator response."""
    schemas = {}
    for item in doc.get("paths", {}).values():
        for op in item.values():
            if isinstance(op, dict) and "operationId" in op:
                media = op.get("responses", {}).get("200", {}).get("content", {}).get("application/json")
                schemas[op["operationId"]] = media.get("schema") if media else None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            record = json.loads(line)
            op = record["operation"].replace(".", "_")
            if op not in schemas:
                raise SystemExit(f"{path}:{n}: no operation {op} in the document")
            if schemas[op] is not None:
                yield f"{path}:{n} response of {op}", schemas[op], record["body"]


def main(argv):
    responses = None
    if len(argv) == 4 and argv[2] == "--responses":
        responses = argv[3]
        argv = argv[:2]
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        doc = yaml.load(f, Loader=NoDuplicatesLoader)

    version = str(doc.get("openapi", ""))
    if not version.startswith("3.0."):
        print(f"error: {argv[1]}: expected an OpenAPI 3.0.x document, found {version!r}", file=sys.stderr)
        return 1
    try:
        spec_errors = list(OpenAPIV30SpecValidator(SchemaPath.from_dict(doc)).iter_errors())
    except Exception as e:  # an unresolvable $ref stops the validator with an exception
        message = str(e).split(" within ")[0]
        print(f"error: openapi-spec-validator: {type(e).__name__}: {message[:500]}", file=sys.stderr)
        return 1
    for error in spec_errors:
        at = "/".join(str(p) for p in error.absolute_path) or "(root)"
        print(f"error: openapi-spec-validator: at {at}: {error.message}", file=sys.stderr)
    if spec_errors:
        print(f"openapi-spec-validator: {argv[1]}: {len(spec_errors)} errors", file=sys.stderr)
        return 1
    print(f"openapi-spec-validator: {argv[1]} is a valid OpenAPI {version} document")

    registry = Registry().with_resource(DOC_URI, Resource.from_contents(doc, default_specification=DRAFT4))
    checker = format_checker()
    failures = 0
    checked = 0
    to_check = list(examples_to_check(doc))
    examples = len(to_check)
    if responses is not None:
        to_check += list(responses_to_check(doc, responses))
    keep_open = frozenset(composed(doc))
    strict_doc = closed(doc, keep_open)
    strict_registry = Registry().with_resource(
        DOC_URI, Resource.from_contents(strict_doc, default_specification=DRAFT4)
    )
    for n, (where, schema, value) in enumerate(to_check):
        # Recorded responses come after the examples, and are checked against closed schemas.
        strict = n >= examples
        base_doc = strict_doc if strict else doc
        base_registry = strict_registry if strict else registry
        if schema is not None and strict:
            schema = closed(schema, keep_open)
        if schema is None:
            print(f"error: {where}: an example without a schema", file=sys.stderr)
            failures += 1
            continue
        # Resolve `#/components/...` against the whole document.
        wrapped = {"$ref": DOC_URI + "#/__example_schema__"}
        local = dict(base_doc)
        local["__example_schema__"] = schema
        reg = base_registry.with_resource(
            DOC_URI, Resource.from_contents(local, default_specification=DRAFT4)
        )
        validator = OAS30Validator(wrapped, registry=reg, format_checker=checker)
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        checked += 1
        for error in errors:
            failures += 1
            at = "/".join(str(p) for p in error.absolute_path) or "(root)"
            print(f"error: {where}: at {at}: {error.message}", file=sys.stderr)

    print(
        f"openapi-schema-validator: {examples} examples and {checked - examples} emulator responses "
        f"(no undeclared keys allowed) checked against their schemas, {failures} errors"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
