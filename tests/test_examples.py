"""The parser by example: every input in ``tests/examples/`` beside the records it must give.

``NAME.EXT`` is an input (written for these tests: invented posts, no real cable), ``NAME.EXT.json``
the records ``parse()`` must return for it, as ``Cable.to_dict()`` lists. To add a case, put the
input there, run ``python tests/test_examples.py NAME.EXT`` to write its expected records,
read them (they are the specification, not a snapshot to wave through), and commit both.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from cablebase.parse import parse

EXAMPLES = Path(__file__).parent / "examples"
INPUTS = sorted(p for p in EXAMPLES.iterdir() if p.suffix != ".json")


def records(path: Path) -> list[dict]:
    return [c.to_dict() for c in parse(path.read_bytes(), location=path.name)]


def expected_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


@pytest.mark.parametrize("path", INPUTS, ids=[p.name for p in INPUTS])
def test_example(path: Path) -> None:
    want = json.loads(expected_path(path).read_text(encoding="utf-8"))
    assert records(path) == want


def test_every_example_has_its_expected_records() -> None:
    assert INPUTS and all(expected_path(p).is_file() for p in INPUTS)


if __name__ == "__main__":  # write the expected records of the inputs named (or of all)
    for name in sys.argv[1:] or [p.name for p in INPUTS]:
        p = EXAMPLES / name
        expected_path(p).write_text(json.dumps(records(p), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print("wrote", expected_path(p))
