"""The feed-preparation worker processes (``python -m cablebase.pipeline._worker FD MODULE``).

This process (the "zygote") is started by the poller with a fresh interpreter — it never runs
the poller's ``__main__`` nor inherits its threads or handles — imports ``MODULE`` once (the
poller names :mod:`cablebase.pipeline._preload`: parsers, the HTML parser, the language model),
then, each time the poller sends it a socket over ``FD``, forks a worker that serves jobs on
that socket. Workers share the loaded model with the zygote (copy-on-write). Everything exits
when the poller's end of its socket closes.

Frames, both ways, are those of :mod:`cablebase.pipeline._wire`.
"""

from __future__ import annotations

import importlib
import os
import pickle
import signal
import socket
import struct
import sys

from ._wire import HEAD, recv_exact


def serve(sock: socket.socket) -> None:
    """A worker: read a job frame, run it, write the answer frame; until the socket closes."""
    sock.setblocking(True)
    while True:
        try:
            (n,) = HEAD.unpack(recv_exact(sock, HEAD.size))
            fn, args = pickle.loads(recv_exact(sock, n))
        except (EOFError, OSError):
            return
        except Exception as e:  # a job that cannot be read: say so, keep serving
            fn, args = None, e
        try:
            if fn is None:
                raise args
            out = (True, fn(*args))
        except BaseException as e:  # noqa: BLE001 - reported to the poller, which fails the feed
            out = (False, f"{type(e).__name__}: {e}"[:500])
        try:
            data = pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as e:
            data = pickle.dumps((False, f"result not picklable: {type(e).__name__}: {e}"[:500]))
        try:
            sock.sendall(HEAD.pack(len(data)) + data)
        except OSError:
            return


def main(ctrl_fd: int, preload: str) -> None:
    """The zygote: import ``preload`` (what every worker needs), say ready, fork on request."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the poller's to handle
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped as they exit
    ctrl = socket.socket(fileno=ctrl_fd)
    importlib.import_module(preload)  # loaded once, before any fork

    try:
        ctrl.sendall(b"R")  # ready
    except OSError:  # the poller finished (or gave up on us) while we loaded: nothing to do
        return
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(ctrl, 16, 1)
        except (OSError, EOFError):
            return
        if not msg:
            return
        if not fds:
            continue
        pid = os.fork()
        if pid == 0:
            try:
                ctrl.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                serve(socket.socket(fileno=fds[0]))
            finally:
                os._exit(0)
        os.close(fds[0])
        try:
            ctrl.sendall(struct.pack("!q", pid))
        except OSError:
            return


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
