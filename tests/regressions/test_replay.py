"""Replay every input in this folder that once crashed, hung or broke the record.

A file is named ``<form>--<what>.bin`` (bytes) or ``<form>--<what>.txt`` (UTF-8 with lone
surrogates kept, given to ``parse`` as ``str``); ``<form>`` is ``auto`` (``fmt=None``) or a
format name. Each must give records that keep the record's contract (``bench/fuzz.py``'s
``check_records``, strict) or a ``ParseError`` of its own (not one that ``parse`` made out
of an internal ``ValueError``…), and take under 1 s of CPU. Each runs in a
forked child, killed after 10 s, so that a hang fails the test instead of stalling the suite.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import sys
import time
import traceback
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LIMIT_CPU_S = 1.0
KILL_S = 10.0
INPUTS = sorted(p for p in HERE.iterdir() if p.suffix in (".bin", ".txt") and "--" in p.name)


def _fuzz():
    name = "cablebase_bench_fuzz"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "fuzz.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


def _load(path: Path) -> tuple[bytes | str, str | None]:
    form = path.name.split("--", 1)[0]
    raw = path.read_bytes()
    data = raw.decode("utf-8", "surrogatepass") if path.suffix == ".txt" else raw
    return data, None if form == "auto" else form


def _child(path: Path, conn) -> None:
    from cablebase.errors import ParseError
    from cablebase.parse import parse

    fuzz = _fuzz()
    data, fmt = _load(path)
    c0 = time.process_time()
    try:
        cables = parse(data, location=str(path), fmt=fmt)
        fuzz.check_records(cables, strict=True)
        result = f"{len(cables)} record(s)"
    except ParseError as e:
        if e.__cause__ is not None and not isinstance(e.__cause__, ParseError):
            # parse() turned an internal error into a ParseError: typed, but the input is lost
            # to a parser bug, not rejected on purpose.
            result = "FAIL internal error under the ParseError: " + "".join(traceback.format_exception(e.__cause__))
        else:
            result = f"ParseError: {e}"
    except BaseException:  # noqa: BLE001 - the report is the point
        result = "FAIL " + traceback.format_exc()
    conn.send((result, time.process_time() - c0))
    conn.close()


@pytest.mark.parametrize("path", INPUTS, ids=[p.name for p in INPUTS])
def test_replay(path: Path):
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(path, child))
    proc.start()
    child.close()
    proc.join(KILL_S)
    if proc.is_alive():
        proc.kill()
        proc.join()
        pytest.fail(f"{path.name}: still parsing after {KILL_S:.0f} s (killed)")
    assert parent.poll(), f"{path.name}: child died (exit code {proc.exitcode})"
    result, cpu = parent.recv()
    if result.startswith("FAIL"):
        pytest.fail(f"{path.name}: {result}", pytrace=False)
    assert cpu < LIMIT_CPU_S, f"{path.name}: {cpu:.2f} s of CPU ({result})"
