"""``/docs``: the API reference, rendered on the server from FastAPI's OpenAPI document; ``/help``:
how to use the archive, in plain words.

No JavaScript and nothing fetched from elsewhere (the machine may have no network, and the
Content-Security-Policy allows only this site's own files); ``/openapi.json`` is the document.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..common import page

router = APIRouter(include_in_schema=False)


def _schema_name(s: dict[str, Any] | None) -> str:
    if not s:
        return ""
    if "$ref" in s:
        return s["$ref"].rsplit("/", 1)[-1]
    if s.get("type") == "array":
        return f"list of {_schema_name(s.get('items')) or 'values'}"
    for k in ("anyOf", "oneOf"):
        if k in s:
            return " or ".join(n for n in (_schema_name(x) for x in s[k]) if n)
    if "enum" in s:
        return " | ".join(map(str, s["enum"]))
    return s.get("type", "")


@router.get("/docs")
async def docs(request: Request) -> Response:
    spec = request.app.openapi()
    ops = []
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            params = [
                {"name": p["name"], "in": p["in"], "required": p.get("required", False),
                 "type": _schema_name(p.get("schema")), "description": p.get("description")
                 or (p.get("schema") or {}).get("description", "")}
                for p in op.get("parameters", [])
            ]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            ok = (op.get("responses", {}).get("200") or op.get("responses", {}).get("201") or {})
            out = ok.get("content", {}).get("application/json", {}).get("schema")
            ops.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                        "description": op.get("description", ""), "tags": op.get("tags", []), "params": params,
                        "body": _schema_name(body), "returns": _schema_name(out)})
    schemas = []
    for name, s in sorted(spec.get("components", {}).get("schemas", {}).items()):
        props = [{"name": k, "type": _schema_name(v) or v.get("title", ""), "description": v.get("description", "")}
                 for k, v in s.get("properties", {}).items()]
        schemas.append({"name": name, "description": s.get("description", ""), "props": props})
    return page("docs.html", info=spec.get("info", {}), ops=ops, schemas=schemas)


@router.get("/help")
async def help_page(request: Request) -> Response:
    """What the archive is and how to use it, in plain words (linked from every page)."""
    return page("help.html")
