#!/usr/bin/python3
"""Validates STIX 2.1 bundles against the OASIS STIX 2.1 JSON schemas (draft 2020-12).

usage: stix_schema_check.py SCHEMA_DIR BUNDLE.json...

The bundle is checked against common/bundle.json, and every object also against the schema of
its own type (bundle.json accepts any object under anyOf, so a broken indicator could pass as a
custom object). Exit 0 when everything is valid; 1 with one line per problem otherwise; 2 when
the schemas or a bundle cannot be read. Uses python3-jsonschema from Debian (4.10 or later).
"""
import json
import os
import sys

import jsonschema


def load_schemas(schema_dir):
    store, by_name = {}, {}
    for root, _, files in os.walk(schema_dir):
        for name in files:
            if name.endswith(".json"):
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    schema = json.load(f)
                store[schema["$id"]] = schema
                by_name[os.path.relpath(os.path.join(root, name), schema_dir)] = schema
    return store, by_name


def validator(schema, store):
    cls = jsonschema.validators.validator_for(schema)
    resolver = jsonschema.RefResolver.from_schema(schema, store=store)
    return cls(schema, resolver=resolver)


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        store, by_name = load_schemas(sys.argv[1])
    except (OSError, ValueError, KeyError) as e:
        print(f"cannot read the schemas: {e}", file=sys.stderr)
        return 2
    bundle_validator = validator(by_name["common/bundle.json"], store)
    type_validators = {}
    for rel, schema in by_name.items():
        folder, name = os.path.split(rel)
        if folder in ("sdos", "sros", "observables") or name == "marking-definition.json":
            type_validators[name[:-5]] = validator(schema, store)
    problems = 0
    for path in sys.argv[2:]:
        try:
            with open(path, encoding="utf-8") as f:
                bundle = json.load(f)
        except (OSError, ValueError) as e:
            print(f"{path}: cannot read: {e}", file=sys.stderr)
            return 2
        for error in bundle_validator.iter_errors(bundle):
            problems += 1
            print(f"{path}: bundle: {error.message[:300]}")
        for i, obj in enumerate(bundle.get("objects", [])):
            kind = obj.get("type") if isinstance(obj, dict) else None
            check = type_validators.get(kind)
            if check is None:
                problems += 1
                print(f"{path}: objects[{i}]: no schema for type {kind!r}")
                continue
            for error in check.iter_errors(obj):
                problems += 1
                where = "/".join(str(p) for p in error.absolute_path)
                print(f"{path}: objects[{i}] {obj.get('id')}: {where}: {error.message[:300]}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
