"""The OpenAPI 3.1 document describing every /api endpoint (fuzzed by schemathesis in CI)."""
from __future__ import annotations

from typing import Any

ERROR = {"type": "object", "required": ["error"], "properties": {
    "error": {"type": "string"}, "field": {"type": "string"}, "status": {"type": "integer"},
    "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}


def _q(name: str, schema: dict[str, Any], required: bool = False, desc: str = "") -> dict[str, Any]:
    # Optional query parameters left empty ("limit=") mean "not given": the API has always accepted that.
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": desc,
            **({} if required else {"allowEmptyValue": True})}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


SEARCH_HIT = {"type": "object", "required": ["kind", "slug", "title", "url", "snippet", "score"], "properties": {
    "kind": {"enum": ["article", "glossary"]}, "slug": {"type": "string"}, "title": {"type": "string"},
    "url": {"type": "string"}, "snippet": {"type": "string"}, "score": {"type": "number"},
    "category": {"type": ["string", "null"]}, "section": {"type": ["string", "null"]}, "why": {"type": "object"}}}

ARTICLE = {"type": "object", "required": ["slug", "title", "summary", "category", "status", "url"], "properties": {
    "slug": {"type": "string"}, "title": {"type": "string"}, "summary": {"type": "string"},
    "category": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}},
    "status": {"type": "string"}, "owner": {"type": "string"},
    "reviewed": {"type": ["string", "null"]}, "review_by": {"type": ["string", "null"]},
    "related": {"type": "array", "items": {"type": "string"}},
    "scenarios": {"type": "array", "items": {"type": "string"}},
    "topics": {"type": "array", "items": {"type": "string"}},
    "service_requests": {"type": "array", "items": {"type": "string"}},
    "url": {"type": "string"}, "html": {"type": "string"}, "headings": {"type": "array"}}}

GLOSSARY_PAGE = {"type": "object", "required": ["total", "page", "per_page", "terms"], "properties": {
    "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
    "terms": {"type": "array", "items": {"type": "object", "required": ["term", "slug", "url", "definition"],
              "properties": {"term": {"type": "string"}, "acronym": {"type": ["string", "null"]},
                             "slug": {"type": "string"}, "url": {"type": "string"},
                             "definition": {"type": "string"}}}}}}

#: path -> operations; other blueprints add theirs with register_paths().
PATHS: dict[str, dict[str, Any]] = {
    "/api/search": {"get": {
        "summary": "Search articles and glossary by keyword, meaning or both",
        "parameters": [
            _q("q", {"type": "string", "minLength": 1, "maxLength": 500}, True, "What to search for"),
            _q("mode", {"enum": ["hybrid", "keyword", "semantic", ""]}, desc="Default (or empty): hybrid"),
            _q("limit", {"type": "integer", "minimum": 1, "maximum": 50},
               desc="Results per page when per_page is not given"),
            _q("page", {"type": "integer", "minimum": 1, "maximum": 1000}, desc="Default 1"),
            _q("per_page", {"enum": ["10", "20", "50"]}, desc="Default 10 (or limit)"),
            _q("category", {"type": "string"}, desc="Category slug"),
        ],
        "responses": {
            "200": _json({"type": "object", "required": ["query", "mode", "results", "suggestion", "total", "page",
                                                         "per_page", "took_ms"],
                          "properties": {"query": {"type": "string"}, "mode": {"type": "string"},
                                         "results": {"type": "array", "items": SEARCH_HIT},
                                         "suggestion": {"type": ["string", "null"]},
                                         "total": {"type": "integer", "description": "Results ranked (at most 100)"},
                                         "page": {"type": "integer"}, "per_page": {"type": "integer"},
                                         "took_ms": {"type": "number"},
                                         "degraded": {"type": "boolean"}, "notice": {"type": ["string", "null"]}}}),
            "400": _json(ERROR, "Bad query"),
        }}},
    "/api/articles": {"get": {
        "summary": "List published articles",
        "responses": {"200": _json({"type": "object", "required": ["total", "articles"], "properties": {
            "total": {"type": "integer"}, "articles": {"type": "array", "items": ARTICLE}}})}}},
    "/api/articles/{slug}": {"get": {
        "summary": "One published article with rendered HTML",
        "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": _json(ARTICLE), "404": _json(ERROR, "No such article"),
                      "410": _json({**ERROR, "properties": {**ERROR["properties"],
                                   "replaced_by": {"type": ["string", "null"]},
                                   "replacement_url": {"type": ["string", "null"]}}},
                                   "Retired; replaced_by names the article to read instead")}}},
    "/api/glossary": {"get": {
        "summary": "Glossary terms, by letter and page",
        "parameters": [
            _q("letter", {"enum": [*"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0-9", "All"]}),
            _q("page", {"type": "integer", "minimum": 1, "maximum": 100000}),
            _q("per_page", {"enum": ["10", "20", "50", "all"]}),
            _q("q", {"type": "string", "maxLength": 100}, desc="Only terms whose name, acronym or an alias holds this"),
        ],
        "responses": {"200": _json(GLOSSARY_PAGE), "400": _json(ERROR, "Bad parameter")}}},
    "/api/suggest": {"get": {
        "summary": "Article titles and glossary terms for what is being typed (by prefix or typo)",
        "parameters": [_q("q", {"type": "string", "maxLength": 500}, desc="What has been typed so far")],
        "responses": {
            "200": _json({"type": "object", "required": ["suggestions"], "properties": {"suggestions": {
                "type": "array", "items": {"type": "object", "required": ["kind", "title", "url"], "properties": {
                    "kind": {"enum": ["article", "glossary"]}, "title": {"type": "string"},
                    "url": {"type": "string"}}}}}}),
            "400": _json(ERROR, "Bad query"),
        }}},
}


def register_paths(paths: dict[str, dict[str, Any]]) -> None:
    PATHS.update(paths)


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "MHHS Knowledge Base and Assistant API", "version": "1.0.0"},
        "paths": PATHS,
        "components": {"securitySchemes": {"bearer": {
            "type": "http", "scheme": "bearer",
            "description": "A personal access token from /account/tokens (or `flask --app app account token EMAIL`)"}}},
    }
