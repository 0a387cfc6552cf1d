#!/usr/bin/env python3
"""Checks docs/openapi.yaml: a valid OpenAPI 3.1 document (openapi-spec-validator), every operation saying who may call
it (x-qinferd-access), and, given samples of real responses, each sample's body valid against the schema the
document gives for its route, status and content type.

    .venv/bin/python tools/openapi/check_openapi.py docs/openapi.yaml [--samples samples.json]

On success prints one JSON object: {"operations": [{"method", "path", "access"}, ...], "samples": N}, and exits 0.
On any problem prints every problem to stderr, one per line, and exits 1. The Swift test compares the operations with
the routes qinferd declares (Tests/QInferDaemonTests/OpenAPISpecTests.swift).

A sample is {"method": "GET", "path": "/v1/models/{name}", "status": 200, "content_type": "application/json",
"body": <the parsed JSON body, or a string for other content types>}.
"""
import argparse
import json
import sys

import yaml
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import OpenAPIV31SpecValidator

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
ACCESS = ("anyone", "admin")


def resolve(spec, node):
    """Follows a local $ref (#/components/...) to the object it names."""
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"non-local $ref {ref}")
        target = spec
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def empty_values(node, where):
    """Keys whose value is null: valid YAML and valid OpenAPI 3.1 (unknown keywords), but never what was meant."""
    if isinstance(node, dict):
        for key, value in node.items():
            if value is None:
                yield f"{where}/{key}"
            else:
                yield from empty_values(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from empty_values(value, f"{where}/{i}")


def operations(spec, problems):
    found = []
    for path, item in sorted(spec.get("paths", {}).items()):
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            access = operation.get("x-qinferd-access")
            if access not in ACCESS:
                problems.append(f"{method.upper()} {path}: x-qinferd-access is {access!r}, not one of {ACCESS}")
            found.append({"method": method.upper(), "path": path, "access": access})
    return found


def check_sample(spec, sample, problems):
    where = f"sample {sample.get('method')} {sample.get('path')} {sample.get('status')}"
    item = spec.get("paths", {}).get(sample["path"])
    operation = item.get(sample["method"].lower()) if item else None
    if operation is None:
        problems.append(f"{where}: no such operation in the document")
        return
    responses = operation.get("responses", {})
    response = responses.get(str(sample["status"])) or responses.get("default")
    if response is None:
        problems.append(f"{where}: the document has no response for status {sample['status']} and no default")
        return
    content = resolve(spec, response).get("content", {})
    media = sample["content_type"].split(";")[0].strip().lower()
    if media not in content:
        problems.append(f"{where}: content type {media} is not among the documented {sorted(content)}")
        return
    if media != "application/json":
        return
    schema = dict(content[media].get("schema", {}))
    # Local references resolve against the root of the schema being validated: carry the components along.
    schema["components"] = spec.get("components", {})
    for error in sorted(OAS31Validator(schema).iter_errors(sample["body"]), key=lambda e: list(e.absolute_path)):
        at = "/".join(str(p) for p in error.absolute_path) or "(the body)"
        problems.append(f"{where}: at {at}: {error.message}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("spec")
    parser.add_argument("--samples", help="a JSON file: a list of response samples to validate")
    args = parser.parse_args()

    problems = []
    try:
        with open(args.spec, encoding="utf-8") as f:
            spec = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as error:
        print(f"{args.spec}: {error}", file=sys.stderr)
        return 1
    if not isinstance(spec, dict) or not str(spec.get("openapi", "")).startswith("3.1"):
        print(f"{args.spec}: not an OpenAPI 3.1 document (openapi: {spec.get('openapi') if isinstance(spec, dict) else spec!r})",
              file=sys.stderr)
        return 1
    try:
        for error in OpenAPIV31SpecValidator(spec).iter_errors():
            problems.append(f"{args.spec}: {error.message}")
    except Exception as error:  # the validator raises, rather than reports, a $ref that points nowhere
        problems.append(f"{args.spec}: {type(error).__name__}: {str(error)[:300]}")
    problems += [f"{args.spec}: {where} has no value (in YAML, a comma in an unquoted flow mapping splits it)"
                 for where in empty_values(spec, "")]
    found = operations(spec, problems)
    count = 0
    if args.samples and not problems:
        with open(args.samples, encoding="utf-8") as f:
            samples = json.load(f)
        for sample in samples:
            check_sample(spec, sample, problems)
        count = len(samples)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    print(json.dumps({"operations": found, "samples": count}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
