"""The package's layout (``scripts/check_layout.py``): module sizes, import circles, SQL kept
inside ``_store/``.

``ENFORCED`` lists the (check, path) pairs that must hold: every check over the whole package."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "cablebase"

ENFORCED = [(check, PACKAGE) for check in ("sizes", "circles", "sql", "front", "errors")]


def _load_checker():
    spec = importlib.util.spec_from_file_location("check_layout", ROOT / "scripts" / "check_layout.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up while the class is made
    spec.loader.exec_module(mod)
    return mod


layout = _load_checker()


@pytest.mark.parametrize(("check", "path"), ENFORCED, ids=[f"{c}:{p.relative_to(ROOT)}" for c, p in ENFORCED])
def test_layout_holds(check: str, path: Path) -> None:
    findings = layout.run([check], [path])
    assert not findings, "\n" + layout.table(findings)


# -- the checker itself, on a made-up package -------------------------------------------------
def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    pkg = tmp_path / "cablebase"
    for name, text in files.items():
        f = pkg / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text)
    return pkg


def test_checker_finds_long_modules(tmp_path: Path) -> None:
    pkg = _package(tmp_path, {"__init__.py": "", "store/__init__.py": "", "store/big.py": "x = 1\n" * 12,
                              "store/small.py": "x = 1\n" * 10})
    found = layout.run(["sizes"], [pkg / "store"], package=pkg, max_lines=10)
    assert [(f.check, Path(f.where).name) for f in found] == [("sizes", "big.py")]


def test_checker_finds_circles_through_relative_imports(tmp_path: Path) -> None:
    pkg = _package(tmp_path, {
        "__init__.py": "",
        "store/__init__.py": "from .a import A\n",
        "store/a.py": "from . import b\nA = 1\n",                 # a submodule: a -> b
        "store/b.py": "from .a import A\n",                       # b -> a: a circle
        "store/c.py": "from . import A\n",                        # a name of the package: c -> store
        "store/d.py": "def f():\n    from . import c\n",          # in a function: not at load time
        "store/e.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import c\n",
        "web.py": "try:\n    from .store import d\nexcept ImportError:\n    pass\n",
    })
    graph = layout.import_graph(pkg)
    assert graph["cablebase.store.a"] == {"cablebase.store.b"}
    assert graph["cablebase.store.c"] == {"cablebase.store"}
    assert graph["cablebase.store.d"] == set() and graph["cablebase.store.e"] == set()
    assert graph["cablebase.web"] == {"cablebase.store.d"}
    found = layout.run(["circles"], [pkg], package=pkg)
    assert [f.where for f in found] == ["cablebase.store.a, cablebase.store.b"]
    assert found[0].detail == "cablebase.store.a -> cablebase.store.b -> cablebase.store.a"
    assert layout.run(["circles"], [pkg / "web.py"], package=pkg) == []  # not part of it


def test_checker_finds_sql_outside_the_store(tmp_path: Path) -> None:
    pkg = _package(tmp_path, {
        "__init__.py": "",
        "_store/__init__.py": "import tantivy\n",
        "_store/db.py": "def f(db):\n    db.execute('SELECT 1')\n",
        "web.py": "import sqlite3\ndef f(db):\n    db.executemany('x', [])\n    return db.executor\n",
        "search.py": "from tantivy import Query\n",
    })
    found = layout.run(["sql"], [pkg], package=pkg)
    assert [(Path(f.where).name, f.detail) for f in found] == [
        ("search.py:1", "from tantivy import outside _store/"),
        ("web.py:3", ".executemany( outside _store/"),
    ]


def test_checker_exit_status_and_selection(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert layout.main(["--only", "sizes", str(PACKAGE / "_store")]) == 0
    assert "layout ok (sizes)" in capsys.readouterr().out
    assert layout.main(["--only", "sizes", "--max-lines", "1", str(PACKAGE / "_store" / "base.py")]) == 1
    assert "base.py" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        layout.main(["--only", "sizes,colours"])


def test_tests_of_private_parts_say_so_by_their_path() -> None:
    """Tests use the public face; a test module that imports storage lives under tests/private/."""
    import ast

    tests = ROOT / "tests"
    offenders = []
    for f in sorted(tests.rglob("*.py")):
        if (tests / "private") in f.parents:
            continue
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{f.relative_to(ROOT)}:{node.lineno}" for n in names if n.startswith("cablebase._store")]
    assert offenders == []
