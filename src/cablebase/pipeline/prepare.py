"""Feed preparation off the event loop: :class:`PreparePool` runs ``prepare_feed``
(:mod:`cablebase.pipeline.entries`) in worker processes that stay up between passes.

They are forks of a fresh interpreter that loaded the parsers and the language model once
(:mod:`cablebase.pipeline._worker`, told to import :mod:`cablebase.pipeline._preload`): they never
run the poller's ``__main__`` nor inherit its threads or handles, and share the model's memory.
A dead worker is replaced (its jobs retried once elsewhere) and one that runs past the time
limit is killed. Where processes cannot be forked (Windows), preparation stays in-process.

The preparation names (``prepare_feed``, ``PrepareOptions``, ``canonical_url`` …) are still
importable from here.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import os
import pickle
import signal
import socket
import struct
import threading
import time
from typing import Callable

from . import _wire
from .entries import (
    PreparedEntry, PreparedFeed, PrepareOptions, not_a_feed, prepare_entries, prepare_entry, prepare_feed,
)
from .identity import canonical_url, content_hash, entry_hash, entry_key
from ..errors import PrepareCrashed

PRELOAD = "cablebase.pipeline._preload"
"""The module the worker zygote imports before it forks (what every worker needs)."""


def _can_fork() -> bool:
    return hasattr(os, "fork") and hasattr(socket, "send_fds") and hasattr(socket, "AF_UNIX")


class _Zygote:
    """``python -m cablebase.pipeline._worker FD PRELOAD``: loads everything once, forks workers on request."""

    def __init__(self, timeout: float):
        import subprocess
        import sys

        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = dict(os.environ)
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # src/
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        try:
            self.proc = subprocess.Popen([sys.executable, "-m", "cablebase.pipeline._worker", str(theirs.fileno()),
                                          PRELOAD], pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, env=env,
                                         close_fds=True)
        finally:
            theirs.close()
        self.ctrl = ours
        ours.settimeout(timeout)
        if _wire.recv_exact(ours, 1) != b"R":
            raise OSError("worker zygote did not start")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def fork(self, timeout: float) -> "_Worker":
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            socket.send_fds(self.ctrl, [b"F"], [theirs.fileno()])
        finally:
            theirs.close()
        (pid,) = struct.unpack("!q", _wire.recv_exact(self.ctrl, 8))
        w = _Worker(ours, pid)
        try:
            w.ping(timeout)
        except Exception:
            w.kill()
            raise
        return w

    def close(self) -> None:
        try:
            self.ctrl.close()
        except Exception:
            pass
        try:
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()


class _Worker:
    """One worker process and the poller's end of its socket (non-blocking once started).

    Answers are read by a reader callback on the event loop (``pump`` runs it on demand, so
    that a finished job is seen as finished before the next one is handed out)."""

    _CHUNK = 256 * 1024

    def __init__(self, sock: socket.socket, pid: int):
        self.sock = sock
        self.pid = pid
        self.inflight: collections.deque = collections.deque()
        """Futures of the jobs sent, in order (the worker answers in order)."""
        self.dead = False
        self.lock: asyncio.Lock | None = None
        self.loop = None
        self._buf = bytearray()
        self._chunk = bytearray(self._CHUNK)

    def ping(self, timeout: float) -> None:
        self.sock.settimeout(timeout)
        data = pickle.dumps((_wire.warm, ()))
        self.sock.sendall(_wire.HEAD.pack(len(data)) + data)
        (n,) = _wire.HEAD.unpack(_wire.recv_exact(self.sock, _wire.HEAD.size))
        ok, _pid = pickle.loads(_wire.recv_exact(self.sock, n))
        if not ok:
            raise OSError(f"worker did not answer: {_pid}")
        self.sock.setblocking(False)

    def kill(self) -> None:
        if not self.dead:
            self.dead = True
            self.unbind()
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                self.sock.close()
            except Exception:
                pass
        while self.inflight:
            fut = self.inflight.popleft()
            if not fut.done():
                fut.set_exception(BrokenPipeError("worker process died"))

    def _bind(self, loop) -> None:
        """Per event loop state (a pass may run in a new loop)."""
        if self.loop is not loop:
            self.unbind()
            self.loop = loop
            self.lock = asyncio.Lock()
            loop.add_reader(self.sock.fileno(), self.pump)

    def unbind(self) -> None:
        if self.loop is not None:
            try:
                self.loop.remove_reader(self.sock.fileno())
            except Exception:  # loop closed, socket closed
                pass
            self.loop = None

    def pump(self) -> None:
        """Read what the worker has sent and settle the jobs whose answers are complete."""
        if self.dead:
            return
        view = memoryview(self._chunk)
        try:
            while True:
                k = self.sock.recv_into(view)
                if not k:
                    raise EOFError
                self._buf += view[:k]
                if k < len(view):
                    break
        except (BlockingIOError, InterruptedError):
            pass
        except (EOFError, OSError):
            self.kill()
            return
        buf = self._buf
        pos = 0
        size = _wire.HEAD.size
        while len(buf) - pos >= size:
            (n,) = _wire.HEAD.unpack_from(buf, pos)
            if len(buf) - pos - size < n:
                break
            try:
                out = pickle.loads(memoryview(buf)[pos + size:pos + size + n])
            except Exception as e:
                out = (False, f"unreadable answer: {type(e).__name__}: {e}"[:500])
            pos += size + n
            if not self.inflight:  # an answer nobody asked for: the stream is not to be trusted
                self.kill()
                return
            fut = self.inflight.popleft()
            if not fut.done():
                fut.set_result(out)
        if pos:
            del buf[:pos]

    async def submit(self, fn, args) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        self._bind(loop)
        data = pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL)
        fut = loop.create_future()
        async with self.lock:
            if self.dead:
                raise BrokenPipeError("worker process died")
            self.inflight.append(fut)
            try:
                await loop.sock_sendall(self.sock, _wire.HEAD.pack(len(data)) + data)
            except BaseException:
                self.kill()  # a frame may be half sent: the stream is lost
                raise
        return fut


class PreparePool:
    """Worker processes for ``prepare_feed`` that outlive a pass (see the module doc).

    Jobs go to the worker with the fewest in flight as pickled frames over a socket pair, read
    back by the event loop itself (no helper threads). ``ready`` is False until the workers have
    started (the first start takes a second or two: meanwhile the poller prepares in-process).
    """

    def __init__(self, workers: int, start_timeout: float = 300.0):
        self.workers = workers
        self.start_timeout = start_timeout
        self._procs: list[_Worker] = []
        self._zygote: _Zygote | None = None
        self._lock = threading.Lock()
        self._starting = False
        self._failed_at: float | None = None
        self.restarts = 0

    RETRY_AFTER_S = 300.0
    """After workers failed to start (say the package cannot be imported by a fresh
    interpreter), the poller prepares in-process and tries again only after this long."""

    @property
    def ready(self) -> bool:
        """Some worker is up."""
        return any(not w.dead for w in self._procs)

    @property
    def live(self) -> int:
        return sum(not w.dead for w in self._procs)

    def start(self) -> None:
        """Start the missing workers in a background thread (returns at once)."""
        with self._lock:
            if self._starting or len(self._procs) >= self.workers or not _can_fork():
                return
            if self._failed_at is not None and time.monotonic() - self._failed_at < self.RETRY_AFTER_S:
                return
            self._starting = True
        threading.Thread(target=self._start, name="cablebase-prepare-start", daemon=True).start()

    def _start(self) -> None:
        try:
            while True:
                with self._lock:
                    missing = self.workers - len(self._procs)
                if missing <= 0:
                    return
                fresh: list[_Worker] = []
                try:
                    if self._zygote is None or not self._zygote.alive():
                        if self._zygote is not None:
                            self._zygote.close()
                        self._zygote = None
                        self._zygote = _Zygote(self.start_timeout)
                    for _ in range(missing):
                        fresh.append(self._zygote.fork(self.start_timeout))
                except Exception:  # no workers (processes not allowed here?): the poller prepares in-process
                    for w in fresh:
                        w.kill()
                    self._failed_at = time.monotonic()
                    return
                with self._lock:
                    self._procs = [w for w in self._procs if not w.dead] + fresh
        finally:
            with self._lock:
                self._starting = False

    def has_room(self, backlog: int) -> bool:
        """Some live worker has fewer than ``backlog`` feeds in hand (answers already sent count
        as done: they are read first)."""
        room = False
        for w in self._procs:
            if not w.dead and len(w.inflight) >= backlog:
                w.pump()
            room = room or (not w.dead and len(w.inflight) < backlog)
        return room

    def _pick(self) -> _Worker | None:
        live = [w for w in self._procs if not w.dead]
        if not live:
            return None
        return min(live, key=lambda w: len(w.inflight))

    def _lost(self, w: _Worker) -> None:
        """A worker died or was killed: drop it and start a replacement."""
        w.kill()
        with self._lock:
            if w in self._procs:
                self._procs.remove(w)
                self.restarts += 1
        self.start()

    async def run(self, timeout: float, *args, fn: Callable = prepare_feed):
        """``fn(*args)`` (``prepare_feed``) in a worker; PrepareCrashed when the worker dies (twice:
        a job caught in another's crash is retried once) or runs past ``timeout``."""
        for attempt in (0, 1):
            w = self._pick()
            if w is None:  # none up (restarting): the caller's thread does it
                return fn(*args)
            try:
                fut = await w.submit(fn, args)
                ok, out = await asyncio.wait_for(asyncio.shield(fut), timeout)
            except TimeoutError:
                self._lost(w)
                raise PrepareCrashed(f"entry preparation took longer than {timeout:g} s") from None
            except (BrokenPipeError, EOFError, ConnectionError, OSError):
                self._lost(w)
                if attempt:
                    raise PrepareCrashed("entry preparation failed: its worker process died") from None
                continue
            if not ok:
                raise PrepareCrashed(f"entry preparation failed: {out}")
            return out
        raise PrepareCrashed("entry preparation failed")  # pragma: no cover

    def detach(self) -> None:
        """End of a pass (its event loop is going): stop reading; a worker mid-answer is restarted."""
        for w in list(self._procs):
            w.unbind()
            if w.inflight or w._buf:
                self._lost(w)

    def shutdown(self) -> None:
        with self._lock:
            procs, self._procs = self._procs, []
            zygote, self._zygote = self._zygote, None
        for w in procs:
            w.kill()
        if zygote is not None:
            zygote.close()


_POOLS: dict[int, PreparePool] = {}
_POOLS_LOCK = threading.Lock()


def get_pool(workers: int) -> PreparePool:
    """The process-wide pool of ``workers`` workers (started on first use, kept until exit)."""
    with _POOLS_LOCK:
        pool = _POOLS.get(workers)
        if pool is None:
            pool = _POOLS[workers] = PreparePool(workers)
    pool.start()
    return pool


@atexit.register
def _shutdown_pools() -> None:
    for p in list(_POOLS.values()):
        p.shutdown()


__all__ = ["PrepareOptions", "PreparedEntry", "PreparedFeed", "PreparePool", "PrepareCrashed", "prepare_feed",
           "prepare_entries", "prepare_entry", "not_a_feed", "get_pool", "canonical_url", "entry_key", "entry_hash",
           "content_hash"]
