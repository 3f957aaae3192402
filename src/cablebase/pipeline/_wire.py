"""The frames the poller and its feed-preparation workers exchange over a socket pair.

Both ways a frame is an 8-byte big-endian length (``HEAD``), then a pickle: a job is
``(fn, args)``, an answer ``(True, result)`` or ``(False, "ExceptionType: message")``.
``recv_exact`` reads one blocking frame part; ``warm`` is the job the poller sends a new
worker to see it answer (it returns the worker's pid). Shared by the pool
(:mod:`cablebase.pipeline.prepare`) and the worker processes (:mod:`cablebase.pipeline._worker`),
this module imports nothing of either.
"""

from __future__ import annotations

import os
import socket
import struct

HEAD = struct.Struct("!Q")


def recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:])
        if not k:
            raise EOFError
        got += k
    return bytes(buf)


def warm() -> int:
    return os.getpid()
