"""(being written)"""
from __future__ import annotations

from ..record import Cable


def looks_like(text: str) -> bool:
    return False


def parse(text: str) -> list[Cable]:
    raise NotImplementedError
