"""Local inputs: files, directories and tar archives, read as raw bytes with a size cap.

Nothing here parses; it turns command-line paths into ``RawInput`` (a location and its
bytes) or ``InputFailure`` (a location and what is wrong), so a batch can go on past a bad
file. Sizes are checked before reading (``stat`` / the tar header): an oversized input is
refused without being read.
"""

from __future__ import annotations

import os
import stat
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from ..errors import FetchError, InputTooLarge

MAX_INPUT_BYTES = 50 * 2**20
"""Largest single input (file or archive member) read; larger ones are refused unread."""


INPUT_SUFFIXES: frozenset[str] = frozenset({".html", ".htm", ".txt", ".csv", ".xml", ".eml", ".text", ".json",
                                            ".jsonl", ".ndjson", ".pdf"})
"""File name endings picked up when walking a directory (a file named explicitly is always read)."""
ARCHIVE_SUFFIXES: tuple[str, ...] = (".tar", ".tar.xz", ".txz", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2")
"""Tar archives whose members are read as inputs (members filtered by ``INPUT_SUFFIXES``)."""
ARCHIVE_SEP = "!"
"""Separates an archive's path from a member's name in a location: ``site.tar.xz!cable/x.html``."""


@dataclass(frozen=True, slots=True)
class RawInput:
    """One input's bytes, verbatim, and where they came from."""

    location: str
    data: bytes


@dataclass(frozen=True, slots=True)
class InputFailure:
    """An input that could not be read; ``reason`` is one line saying why."""

    location: str
    reason: str

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


def human_size(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} bytes" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    raise AssertionError("unreachable")


def too_large_reason(size: int, max_bytes: int) -> str:
    return f"input too large: {human_size(size)}, over the {human_size(max_bytes)} limit (max_input_bytes)"


def is_archive(path: str | os.PathLike[str]) -> bool:
    return str(path).lower().endswith(ARCHIVE_SUFFIXES)


def _wanted(name: str, suffixes: frozenset[str]) -> bool:
    base = name.rsplit("/", 1)[-1]
    if base.startswith("."):
        return False
    return os.path.splitext(base)[1].lower() in suffixes


def _os_reason(e: OSError) -> str:
    return (e.strerror or str(e)).strip().rstrip(".").lower() or type(e).__name__


def expand_paths(
    paths: Iterable[str | os.PathLike[str]],
    *,
    suffixes: frozenset[str] = INPUT_SUFFIXES,
) -> Iterator[Path | InputFailure]:
    """Files named or found under directories (sorted, hidden ones skipped), in order.

    Paths come out absolute (not resolving symlinks): they are recorded as the location.

    A directory contributes its files whose suffix is in ``suffixes`` and its tar archives;
    a path that does not exist, or a directory with nothing to read, yields ``InputFailure``.
    """
    for p in paths:
        path = Path(os.path.abspath(p))  # an archive records where its bytes came from, unambiguously
        try:
            st = path.stat()
        except FileNotFoundError:
            yield InputFailure(str(path), "no such file or directory")
            continue
        except OSError as e:
            yield InputFailure(str(path), _os_reason(e))
            continue
        if not stat.S_ISDIR(st.st_mode):
            yield path
            continue
        found = 0
        for root, dirs, files in os.walk(path, onerror=None):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if _wanted(name, suffixes) or (is_archive(name) and not name.startswith(".")):
                    found += 1
                    yield Path(root) / name
        if not found:
            wanted = ", ".join(sorted(suffixes))
            yield InputFailure(str(path), f"no input files in directory (looked for {wanted} and tar archives)")


def read_file(path: str | os.PathLike[str], max_bytes: int = MAX_INPUT_BYTES) -> bytes:
    """Read a regular file whole, refusing (unread) one larger than ``max_bytes``.

    Raises ``OSError`` for unreadable files and ``InputTooLarge`` for oversized ones.
    """
    st = os.stat(path)
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(21, "is a directory", str(path))
    if not stat.S_ISREG(st.st_mode):  # a FIFO or device would block or never end
        raise OSError(0, "not a regular file")
    if st.st_size > max_bytes:
        raise InputTooLarge(too_large_reason(st.st_size, max_bytes), str(path))
    with open(path, "rb") as f:
        data = f.read(max_bytes + 1)  # the file may have grown since stat
    if len(data) > max_bytes:
        raise InputTooLarge(too_large_reason(len(data), max_bytes), str(path))
    return data


def iter_archive(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = MAX_INPUT_BYTES,
    suffixes: frozenset[str] = INPUT_SUFFIXES,
) -> Iterator[RawInput | InputFailure]:
    """The members of a tar archive (any compression ``tarfile`` knows), streamed in order."""
    loc = str(path)
    try:
        tf = tarfile.open(path, mode="r:*")
    except (tarfile.TarError, OSError, EOFError) as e:
        yield InputFailure(loc, f"cannot open archive: {e}")
        return
    with tf:
        try:
            for m in tf:
                if not m.isfile() or not _wanted(m.name, suffixes):
                    continue
                mloc = f"{loc}{ARCHIVE_SEP}{m.name}"
                if m.size > max_bytes:
                    yield InputFailure(mloc, too_large_reason(m.size, max_bytes))
                    continue
                f = tf.extractfile(m)
                if f is None:
                    continue
                yield RawInput(mloc, f.read())
        except (tarfile.TarError, OSError, EOFError) as e:
            yield InputFailure(loc, f"archive damaged or truncated: {e}")


def iter_inputs(
    paths: Iterable[str | os.PathLike[str]],
    *,
    max_bytes: int = MAX_INPUT_BYTES,
    suffixes: frozenset[str] = INPUT_SUFFIXES,
) -> Iterator[RawInput | InputFailure]:
    """Read every input under ``paths`` (files, directories, tar archives), lazily, in order."""
    return read_inputs(expand_paths(paths, suffixes=suffixes), max_bytes=max_bytes, suffixes=suffixes)


def read_inputs(
    items: Iterable[Path | InputFailure],
    *,
    max_bytes: int = MAX_INPUT_BYTES,
    suffixes: frozenset[str] = INPUT_SUFFIXES,
) -> Iterator[RawInput | InputFailure]:
    """Read the output of ``expand_paths`` (failures pass through; archives are opened)."""
    for item in items:
        if isinstance(item, InputFailure):
            yield item
        elif is_archive(item):
            yield from iter_archive(item, max_bytes=max_bytes, suffixes=suffixes)
        else:
            yield read_one(item, max_bytes)


def read_one(path: str | os.PathLike[str], max_bytes: int = MAX_INPUT_BYTES) -> RawInput | InputFailure:
    """One file as ``RawInput``, or ``InputFailure`` saying why it cannot be read."""
    from ..errors import ParseError

    loc = str(path)
    try:
        return RawInput(loc, read_file(path, max_bytes))
    except ParseError as e:
        return InputFailure(loc, e.reason)
    except IsADirectoryError:
        return InputFailure(loc, "is a directory")
    except OSError as e:
        return InputFailure(loc, _os_reason(e))


def file_path(url: str) -> Path:
    """The path a ``file:`` URL names (``file:///srv/feeds/cuba.xml``)."""
    return Path(url2pathname(urlsplit(url).path))


def file_url(path: str | os.PathLike[str]) -> str:
    """The ``file:`` URL of a local path, absolute."""
    return Path(path).resolve().as_uri()


def get_file(url: str, *, etag: str | None = None, max_bytes: int) -> tuple[int, bytes | None, str]:
    """A local feed file (a ``file:`` subscription, which only the local user can make):
    ``(200, bytes, tag)``, or ``(304, None, tag)`` when its modification time and size are those
    of ``etag`` (the ``"mtime_ns-size"`` tag returned last time). ``FetchError`` if it cannot be
    read or is over ``max_bytes`` (refused unread: size from ``stat``). Never used for URLs
    that come from feeds or pages: those are http(s) only (``net``)."""
    path = file_path(url)
    try:
        st = path.stat()
        tag = f'"{st.st_mtime_ns}-{st.st_size}"'
        if etag == tag:
            return 304, None, tag
        return 200, read_file(path, max_bytes), tag
    except InputTooLarge:
        raise FetchError(url, f"{path}: larger than the {human_size(max_bytes)} limit (max_body_bytes)") from None
    except OSError as e:
        raise FetchError(url, f"{path}: cannot read: {e.strerror or e}") from None


__all__ = [
    "ARCHIVE_SUFFIXES",
    "file_path",
    "file_url",
    "get_file",
    "INPUT_SUFFIXES",
    "InputFailure",
    "RawInput",
    "expand_paths",
    "is_archive",
    "iter_archive",
    "iter_inputs",
    "read_file",
    "read_inputs",
    "read_one",
]
