"""MkDocs hook: generate the API reference and the event catalogue at build time, offline.

Why generated: the OpenAPI documents come from the services' code and the event catalogue from
docs/contracts/asyncapi.yaml; pages written by hand would drift. Each service's OpenAPI is
exported to JSON (`reference/api/<service>.openapi.json`, served beside its page) by building
the app in memory (no database, no broker), and rendered as a page listing its operations. No
viewer is fetched from a CDN; the pages are plain Markdown.
"""

from __future__ import annotations

import importlib
import json
import logging
from pathlib import Path
from typing import Any

import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.hooks.reference")
ROOT = Path(__file__).resolve().parents[2]
SERVICES = {
    "registry": "RegistrySettings",
    "funding": "FundingSettings",
    "reporting": "ReportingSettings",
    "notification": "NotificationSettings",
}
METHODS = ("get", "post", "put", "patch", "delete")


def openapi_of(service: str) -> dict[str, Any]:
    """The service's OpenAPI document, from its app built in memory with test settings."""
    settings_cls = getattr(importlib.import_module(f"services.{service}.settings"), SERVICES[service])
    create = getattr(importlib.import_module(f"services.{service}.main"), f"create_{service}_app")
    app = create(settings_cls(environment="test", database_url="sqlite+aiosqlite:///:memory:"))
    document: dict[str, Any] = app.openapi()
    return document


def _cell(text: object) -> str:
    return " ".join(str(text or "").split()).replace("|", "\\|")


def api_page(service: str, document: dict[str, Any]) -> str:
    """One service's operations grouped by tag: method, path, summary, parameters, answers."""
    info = document.get("info", {})
    lines = [
        f"# {info.get('title', service)}",
        "",
        _cell(info.get("description", "")).replace("\\|", "|"),
        "",
        f"OpenAPI {document.get('openapi', '')}, version {info.get('version', '')}. "
        f"The machine-readable document: [{service}.openapi.json]({service}.openapi.json); "
        f"a running service also serves it at `/openapi.json` and its own viewer at `/docs`.",
        "",
    ]
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, item in sorted(document.get("paths", {}).items()):
        for method in METHODS:
            if method in item:
                operation = item[method]
                tag = (operation.get("tags") or ["other"])[0]
                by_tag.setdefault(tag, []).append((method.upper(), path, operation))
    for tag, operations in sorted(by_tag.items()):
        lines += [f"## {tag}", "", "| method | path | what | parameters | answers |", "|---|---|---|---|---|"]
        for method, path, op in operations:
            params = ", ".join(f"`{p['name']}` ({p.get('in', '')})" for p in op.get("parameters", []))
            if "requestBody" in op:
                params = (params + ", " if params else "") + "JSON body"
            answers = ", ".join(sorted(op.get("responses", {})))
            what = op.get("summary") or ""
            lines.append(f"| {method} | `{_cell(path)}` | {_cell(what)} | {_cell(params)} | {answers} |")
        lines.append("")
    return "\n".join(lines)


def events_page(asyncapi: dict[str, Any]) -> str:
    """Each channel (topic) with its events, and each event's payload fields."""
    messages = asyncapi["components"]["messages"]
    schemas = asyncapi["components"].get("schemas", {})
    info = asyncapi.get("info", {})
    lines = [
        "# Event catalogue",
        "",
        f"Rendered from `docs/contracts/asyncapi.yaml` (AsyncAPI {asyncapi.get('asyncapi')}, "
        f"{_cell(info.get('title', ''))} {info.get('version', '')}), which `make contracts` generates "
        "from the event models in `shared/contracts/`. Every event is a CloudEvents 1.0 envelope in "
        "structured mode; the fields below are its `data`.",
        "",
        "## Topics",
        "",
        "| topic | what | events |",
        "|---|---|---|",
    ]
    for channel in asyncapi.get("channels", {}).values():
        names = [ref["$ref"].rsplit("/", 1)[-1] for ref in channel.get("messages", {}).values()]
        listed = ", ".join(f"[`{n}`](#{_anchor(n)})" for n in names)
        lines.append(
            f"| `{channel.get('address', '')}` | {_cell(channel.get('description', ''))} | {listed} |"
        )
    lines.append("")
    for name in sorted(messages):
        message = messages[name]
        schema = schemas.get(name) or message.get("payload") or {}
        if "$ref" in schema:
            schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
        about = schema.get("description") or message.get("description") or message.get("summary", "")
        lines += [f"## {name}", "", _cell(about), ""]
        lines += ["| field | type | required | description |", "|---|---|---|---|"]
        required = set(schema.get("required", []))
        for field, spec in schema.get("properties", {}).items():
            lines.append(
                f"| `{field}` | {_cell(_type_of(spec))} | {'yes' if field in required else ''} | "
                f"{_cell(spec.get('description', ''))} |"
            )
        lines.append("")
    return "\n".join(lines)


def _anchor(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum() or ch in "-_")


def _type_of(spec: dict[str, Any]) -> str:
    if "anyOf" in spec:
        return " or ".join(_type_of(s) for s in spec["anyOf"])
    if "$ref" in spec:
        return spec["$ref"].rsplit("/", 1)[-1]
    kind = spec.get("type", "object")
    if kind == "array":
        return f"array of {_type_of(spec.get('items', {}))}"
    fmt = spec.get("format")
    return f"{kind} ({fmt})" if fmt else str(kind)


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the generated pages (and each OpenAPI JSON) to the site."""
    index = ["# API reference", "", "One page per service, generated from its OpenAPI document:", ""]
    for service in SERVICES:
        document = openapi_of(service)
        files.append(
            File.generated(config, f"reference/api/{service}.md", content=api_page(service, document))
        )
        files.append(
            File.generated(
                config,
                f"reference/api/{service}.openapi.json",
                content=json.dumps(document, ensure_ascii=False, indent=2),
            )
        )
        index.append(f"- [{document['info'].get('title', service)}]({service}.md)")
    index += [
        "",
        "Errors are RFC 9457 problem documents in the caller's language: see [Errors and "
        "languages](../../errors.md). Lists, filters and paging are described on each operation.",
    ]
    files.append(File.generated(config, "reference/api/index.md", content="\n".join(index)))
    asyncapi = yaml.safe_load((ROOT / "docs" / "contracts" / "asyncapi.yaml").read_text(encoding="utf-8"))
    files.append(File.generated(config, "reference/events.md", content=events_page(asyncapi)))
    deploy = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    files.append(
        File.generated(
            config,
            "reference/deploy.md",
            content="<!-- generated from deploy/README.md at build time -->\n" + deploy,
        )
    )
    return files
