"""The layer order, written once: every import in app/ (module level or inside a function) goes down it.

    app (create_app) -> web -> assistant -> search -> content
                           \\-> console, accounts, incidents -> cases -> servicemodel
    assistant -> cases; incidents -> search; services (the composition root) builds every domain service

Domain packages never import the package root (`app`), its modules (`app.services`, `app.config`,
`app.heap`, `app.background`) or `app.web`: settings reach them as arguments, process policy (heap,
background threads) as callables the server layer hands them. README.md's Architecture section shows
the same order; change both together.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

#: unit -> the units it may import. A unit is a package under app/ or one module of the package root.
MAY_IMPORT: dict[str, set[str]] = {
    "app": {"config", "secret_key", "services", "web", "heap"},  # app/__init__.py: create_app only
    "services": {"assistant", "search", "content", "cases", "console", "accounts", "incidents", "servicemodel",
                 "background", "heap"},
    "config": set(),
    "secret_key": set(),
    "heap": set(),
    "background": set(),
    "web": {"assistant", "search", "content", "cases", "console", "accounts", "incidents", "servicemodel",
            "config", "services", "background", "heap"},
    "assistant": {"search", "content", "cases", "servicemodel"},
    "search": {"content"},
    "content": set(),
    "console": {"cases", "content"},
    "accounts": {"cases"},
    "incidents": {"cases", "search", "servicemodel"},
    "cases": {"servicemodel"},
    "servicemodel": set(),
}

#: Known imports against the order, each to be removed by the work named; the test fails when one is gone
#: (so this list only shrinks) or when a new one appears.
PENDING: set[tuple[str, str]] = set()


def unit_of(module: str) -> str:
    """'app.search.keyword' -> 'search'; 'app.heap' -> 'heap'; 'app' -> 'app'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "app"


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every app module this file imports, wherever the import statement is."""
    found = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            modules = {f"app.{a.name}" for a in node.names
                       if base == "app" and ((APP / f"{a.name}.py").exists() or (APP / a.name).is_dir())}
            # `from app import heap` imports the module app.heap; `from app import create_app`, the root
            found.update(modules if modules and len(modules) == len(node.names) else {base, *modules})
    return {m for m in found if m == "app" or m.startswith("app.")}


def violations() -> set[tuple[str, str]]:
    bad = set()
    for path in sorted(APP.rglob("*.py")):
        source = module_name(path)
        mine = unit_of(source)
        assert mine in MAY_IMPORT, f"{source}: a new package or root module; add it to MAY_IMPORT"
        for target in imports(path):
            theirs = unit_of(target)
            if target == "app" and mine != "app":
                bad.add((source, target))  # the package root itself: create_app and whatever it pulls in
            elif theirs != mine and target != "app" and theirs not in MAY_IMPORT[mine]:
                bad.add((source, target))
    return bad


def test_every_import_follows_the_layer_order():
    found = violations()
    new = sorted(found - PENDING)
    assert new == [], "imports against the layer order:\n" + "\n".join(f"{s} imports {t}" for s, t in new)
    gone = sorted(PENDING - found)
    assert gone == [], "fixed, remove from PENDING:\n" + "\n".join(f"{s} imports {t}" for s, t in gone)


def test_the_walker_sees_imports_inside_functions():
    sample = APP / "search" / "semantic.py"
    assert any(t.startswith("app.content") for t in imports(sample))
    assert unit_of("app.search.keyword") == "search" and unit_of("app.heap") == "heap" and unit_of("app") == "app"


def test_importing_the_package_or_a_domain_module_loads_no_framework():
    """`import app` is create_app alone; a content or search module brings neither Flask nor the database."""
    code = ("import sys, app, app.search.fuzzy, app.content.render, app.servicemodel; "
            "print(sorted(m for m in ('flask', 'sqlalchemy', 'torch', 'faiss', 'app.services', 'app.web') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=APP.parent, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
