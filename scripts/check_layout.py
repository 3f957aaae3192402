#!/usr/bin/env python3
"""Layout checks for the cablebase package (standard library ``ast`` only).

Checks, each selectable with ``--only`` (default: all of them):

- ``sizes``: modules longer than ``--max-lines`` lines (500);
- ``circles``: import circles among cablebase modules. Only imports run when a module is
  loaded count (module level, including inside top-level ``if``/``try``/``with`` and class
  bodies; not inside functions, not under ``if TYPE_CHECKING:``). ``from . import x`` is an
  import of the submodule ``x`` when there is one, else of the package;
- ``sql``: SQL and the search engine used outside ``cablebase/_store/``: calls to
  ``.execute(``, ``.executemany(``, ``.executescript(`` and ``import tantivy``;
- ``front``: front ends (``cli*.py``, ``web/``) importing storage (``_store``), anywhere in the
  module, functions included: they go through the ``Archive`` face;
- ``errors``: exception classes outside ``errors.py``, or not under ``CablebaseError`` (one
  root, one module). Private helpers (a name starting with ``_``) that never leave their
  module are allowed.

Positional paths (files or folders, default ``src/cablebase``) restrict what is reported:
sizes and SQL of the files under them, circles with at least one module under them (the
import graph is always read from the whole package). Prints a table of findings and exits 1
if there are any, else 0::

    python scripts/check_layout.py                               # everything
    python scripts/check_layout.py --only sizes src/cablebase/_store
    python scripts/check_layout.py --only circles,sql
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "cablebase"
STORE = "_store"
"""The one subpackage of ``PACKAGE`` allowed to run SQL and import tantivy."""
MAX_LINES = 500
CHECKS = ("sizes", "circles", "sql", "front", "errors")
FRONT = ("cli", "web")
"""Modules (``cli*``) and subpackages (``web``) that are front ends."""
ERRORS = "errors"
ROOT_ERROR = "CablebaseError"
SQL_CALLS = frozenset({"execute", "executemany", "executescript"})
ENGINE = "tantivy"


@dataclass(frozen=True)
class Finding:
    check: str
    where: str
    detail: str


# -- the package's modules --------------------------------------------------------------------
def modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Dotted module name → file, for every ``.py`` file of the package."""
    out: dict[str, Path] = {}
    base = package.parent
    for f in sorted(package.rglob("*.py")):
        parts = list(f.relative_to(base).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = f
    return out


def _selected(path: Path, paths: Iterable[Path]) -> bool:
    path = path.resolve()
    return any(path == p or p in path.parents for p in (q.resolve() for q in paths))


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


# -- sizes ------------------------------------------------------------------------------------
def check_sizes(paths: Iterable[Path], package: Path = PACKAGE, max_lines: int = MAX_LINES) -> list[Finding]:
    paths = list(paths)
    out = []
    for name, f in modules(package).items():
        if _selected(f, paths):
            n = line_count(f)
            if n > max_lines:
                out.append(Finding("sizes", _display(f), f"{n} lines (at most {max_lines})"))
    return out


# -- circles ----------------------------------------------------------------------------------
def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def load_time_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements that run when the module is loaded."""
    stack: list[ast.AST] = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(reversed(node.orelse))
        elif isinstance(node, ast.stmt):
            stack.extend(reversed([c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)]))
            if isinstance(node, ast.Try):
                for h in node.handlers:
                    stack.extend(reversed(h.body))


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute name of ``from <dots><name> import …`` written in ``module``."""
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    if node.level > 1:
        parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """module → the package's modules it imports at load time."""
    mods = modules(package)
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, f in mods.items():
        tree = ast.parse(f.read_text(encoding="utf-8"), str(f))
        is_pkg = f.name == "__init__.py"
        for node in load_time_imports(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = _resolve(name, is_pkg, node)
                for a in node.names:
                    sub = f"{base}.{a.name}"
                    targets.append(sub if sub in mods else base)
            graph[name].update(t for t in targets if t in mods and t != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return sorted(out)


def _a_loop(graph: dict[str, set[str]], comp: list[str]) -> list[str]:
    """One import loop through the component's first module, for the report."""
    members = set(comp)
    start = comp[0]
    prev: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & members):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(prev[path[-1]])
                    return [start] + list(reversed(path[:-1])) + [start]
                if w not in prev:
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    return comp  # pragma: no cover - a component always has a loop


def check_circles(paths: Iterable[Path], package: Path = PACKAGE) -> list[Finding]:
    paths = list(paths)
    mods = modules(package)
    graph = import_graph(package)
    out = []
    for comp in cycles(graph):
        if any(_selected(mods[m], paths) for m in comp):
            loop = " -> ".join(_a_loop(graph, comp))
            out.append(Finding("circles", ", ".join(comp), loop))
    return out


# -- SQL outside the store ----------------------------------------------------------------------
def _by_place(findings: list[Finding]) -> list[Finding]:
    """Findings ``file:line`` in file order, then line order."""
    return sorted(findings, key=lambda x: (x.where.split(":")[0], int(x.where.rsplit(":", 1)[1])))


def check_sql(paths: Iterable[Path], package: Path = PACKAGE) -> list[Finding]:
    paths = list(paths)
    store = package / STORE
    out = []
    for _name, f in modules(package).items():
        if not _selected(f, paths) or _selected(f, [store]):
            continue
        tree = ast.parse(f.read_text(encoding="utf-8"), str(f))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in SQL_CALLS):
                out.append(Finding("sql", f"{_display(f)}:{node.lineno}", f".{node.func.attr}( outside {STORE}/"))
            elif isinstance(node, ast.Import) and any(a.name.split(".")[0] == ENGINE for a in node.names):
                out.append(Finding("sql", f"{_display(f)}:{node.lineno}", f"import {ENGINE} outside {STORE}/"))
            elif (isinstance(node, ast.ImportFrom) and not node.level
                  and (node.module or "").split(".")[0] == ENGINE):
                out.append(Finding("sql", f"{_display(f)}:{node.lineno}", f"from {ENGINE} import outside {STORE}/"))
    return _by_place(out)


def _is_front(name: str, package: Path) -> bool:
    rel = name.split(".")[1:]  # without the package's own name
    return bool(rel) and (rel[0].startswith(FRONT[0]) or rel[0] in FRONT[1:])


def check_front(paths: Iterable[Path], package: Path = PACKAGE) -> list[Finding]:
    paths = list(paths)
    store = f"{package.name}.{STORE}"
    out = []
    for name, f in modules(package).items():
        if not _selected(f, paths) or not _is_front(name, package):
            continue
        tree = ast.parse(f.read_text(encoding="utf-8"), str(f))
        is_pkg = f.name == "__init__.py"
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, is_pkg, node)
                targets = [f"{base}.{a.name}" for a in node.names] if base == package.name else [base]
            for t in targets:
                if t == store or t.startswith(store + "."):
                    out.append(Finding("front", f"{_display(f)}:{node.lineno}", f"imports {t} (storage is private)"))
    return _by_place(out)


def _exception_classes(package: Path) -> dict[str, tuple[Path, int, list[str]]]:
    """Every class whose bases name an exception or another such class: name → (file, line, bases)."""
    classes: dict[str, tuple[Path, int, list[str]]] = {}
    for _name, f in modules(package).items():
        tree = ast.parse(f.read_text(encoding="utf-8"), str(f))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = [b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else ""
                         for b in node.bases]
                classes.setdefault(node.name, (f, node.lineno, bases))
    known = {n for n, (_, _, bs) in classes.items()
             if any(b.endswith(("Error", "Exception")) or b in ("Exception", "BaseException") for b in bs)}
    grew = True
    while grew:
        more = {n for n, (_, _, bs) in classes.items() if n not in known and any(b in known for b in bs)}
        known |= more
        grew = bool(more)
    return {n: classes[n] for n in known}


def check_errors(paths: Iterable[Path], package: Path = PACKAGE) -> list[Finding]:
    paths = list(paths)
    excs = _exception_classes(package)

    def rooted(n: str, seen: frozenset[str] = frozenset()) -> bool:
        if n == ROOT_ERROR:
            return True
        if n not in excs or n in seen:
            return False
        return any(rooted(b, seen | {n}) for b in excs[n][2])

    out = []
    for n, (f, line, _bases) in excs.items():
        if not _selected(f, paths) or n.startswith("_"):
            continue
        if f.name != f"{ERRORS}.py" or f.parent != package:
            out.append(Finding("errors", f"{_display(f)}:{line}", f"exception {n} outside {ERRORS}.py"))
        elif not rooted(n):
            out.append(Finding("errors", f"{_display(f)}:{line}", f"exception {n} not under {ROOT_ERROR}"))
    return _by_place(out)


# -- running ----------------------------------------------------------------------------------
def run(only: Iterable[str] = CHECKS, paths: Iterable[Path] = (PACKAGE,), package: Path = PACKAGE,
        max_lines: int = MAX_LINES) -> list[Finding]:
    """Every finding of the checks named in ``only`` for ``paths``."""
    only, paths = list(only), [Path(p) for p in paths]
    unknown = [c for c in only if c not in CHECKS]
    if unknown:
        raise ValueError(f"unknown check(s) {', '.join(unknown)} (known: {', '.join(CHECKS)})")
    out: list[Finding] = []
    if "sizes" in only:
        out += check_sizes(paths, package, max_lines)
    if "circles" in only:
        out += check_circles(paths, package)
    if "sql" in only:
        out += check_sql(paths, package)
    if "front" in only:
        out += check_front(paths, package)
    if "errors" in only:
        out += check_errors(paths, package)
    return out


def table(findings: list[Finding]) -> str:
    rows = [("check", "where", "what")] + [(f.check, f.where, f.detail) for f in findings]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    lines = [f"{a:<{w0}}  {b:<{w1}}  {c}".rstrip() for a, b, c in rows]
    lines.insert(1, f"{'-' * w0}  {'-' * w1}  {'-' * 4}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", type=Path, default=[PACKAGE],
                    help="files or folders to report on (default: src/cablebase)")
    ap.add_argument("--only", default=",".join(CHECKS),
                    help=f"comma-separated checks to run (default: {','.join(CHECKS)})")
    ap.add_argument("--max-lines", type=int, default=MAX_LINES, help=f"module size limit (default: {MAX_LINES})")
    args = ap.parse_args(argv)
    only = [c.strip() for c in args.only.split(",") if c.strip()]
    try:
        findings = run(only, args.paths, max_lines=args.max_lines)
    except ValueError as e:
        ap.error(str(e))
    if findings:
        print(table(findings))
        print(f"\n{len(findings)} problem(s) ({', '.join(only)})")
        return 1
    print(f"layout ok ({', '.join(only)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
