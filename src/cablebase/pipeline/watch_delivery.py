"""Sending the watches' deliveries: signed webhook POSTs, retried with back-off, logged.

A delivery (queued by ``pipeline.watches.collect``) is a JSON body naming the new items. It is
POSTed to the watch's webhook with

- ``Content-Type: application/json``;
- ``X-Cablebase-Timestamp``: Unix seconds when this attempt was signed;
- ``X-Cablebase-Signature: sha256=<hex>``: HMAC-SHA256, keyed with the watch's secret, of
  ``<timestamp>.<body>`` (the timestamp, a dot, the body's bytes). A receiver recomputes it,
  compares in constant time, and refuses a timestamp more than a few minutes old (replay);
- ``X-Cablebase-Delivery`` (the delivery's id: the same on every retry, to drop duplicates)
  and ``X-Cablebase-Watch`` (the watch's id).

Any 2xx answer delivers it. Anything else (another status, a refused or unreachable target,
a timeout) is retried after ``BACKOFF_S`` × 2^(attempt−1) seconds, at most ``MAX_ATTEMPTS``
times; then the delivery is ``failed``. Redirects are not followed. Each attempt is logged
(time, status or error, duration): ``cablebase watch log ID``, ``GET /api/watches/ID/deliveries``.

The target is checked again before every attempt with the feeds' rules (``sources.net``:
loopback, private and reserved addresses refused unless ``CABLEBASE_NET_ALLOW`` allows them),
since what a name resolves to can change after the watch was made; the POST then connects to
the very address that was checked (no second look-up that a rebinding DNS server could answer
differently), through the poller's HTTP client (``sources.http``, h11), on a fresh connection.

A deliverer claims a delivery (``claimed_until``) before sending it, so that two deliverers
(two ``serve`` workers, a ``poll --watch`` beside them) never send one at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from .._store.watch_tables import WatchStore
from ..errors import CablebaseError, ConnectError
from ..sources import http
from ..sources.net import NetPolicy
from ..sources.resolve import checked_addresses
from .watches import PassReport

log = logging.getLogger("cablebase.watches")

BACKOFF_S = 10.0
"""Wait before the second attempt; doubled for each further one (10 s, 20 s, 40 s … ~21 min)."""
MAX_ATTEMPTS = 8
TIMEOUT_S = 10.0
"""Connect and read timeout of one attempt."""
HOLD_S = 120.0
"""How long a deliverer's claim on a delivery lasts (longer than an attempt can take)."""
MAX_ANSWER_BYTES = 64 * 1024
SIGNATURE_HEADER = "X-Cablebase-Signature"
TIMESTAMP_HEADER = "X-Cablebase-Timestamp"


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, now: float | None = None,
           max_age_s: float = 300.0) -> bool:
    """What a receiver does (and the tests): the signature matches and the timestamp is recent."""
    try:
        age = (time.time() if now is None else now) - int(timestamp)
    except ValueError:
        return False
    return abs(age) <= max_age_s and hmac.compare_digest(sign(secret, timestamp, body), signature)


async def _post(url: str, body: bytes, headers: dict[str, str], policy: NetPolicy) -> int:
    addresses = await checked_addresses(url, policy)  # again at each attempt: DNS may have changed
    async with http.Client(connect_timeout=TIMEOUT_S, read_timeout=TIMEOUT_S,
                           headers={"User-Agent": "cablebase-webhook"}) as client:
        targets = addresses or [None]
        for i, address in enumerate(targets):  # only to the addresses checked, in turn
            try:
                resp = await client.post(url, body, headers, address=address)
                break
            except ConnectError:
                if i == len(targets) - 1:
                    raise
        try:
            await asyncio.wait_for(resp.drain(MAX_ANSWER_BYTES), TIMEOUT_S)
        finally:
            resp.close()
        return resp.status


def send_one(d: dict[str, Any], policy: NetPolicy, now: float) -> tuple[int | None, str | None]:
    """One attempt at a delivery row: (HTTP status, error)."""
    body = d["body"].encode("utf-8")
    ts = str(int(now))
    headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: sign(d["secret"], ts, body),
               "X-Cablebase-Delivery": str(d["id"]), "X-Cablebase-Watch": str(d["watch_id"])}
    try:
        status = asyncio.run(_post(d["url"], body, headers, policy))
    except (CablebaseError, OSError, TimeoutError) as e:
        return None, str(e) or type(e).__name__
    if 200 <= status < 300:
        return status, None
    return status, f"HTTP {status}" + (" (redirects are not followed)" if 300 <= status < 400 else "")


def deliver_due(store: WatchStore, policy: NetPolicy, *, now: Callable[[], float] = time.time,
                backoff_s: float = BACKOFF_S, max_attempts: int = MAX_ATTEMPTS,
                report: PassReport | None = None) -> PassReport:
    """Step 4 of a pass: send every due delivery once (module doc)."""
    report = report or PassReport()
    for d in store.due(now()):
        if not store.claim(d["id"], now(), HOLD_S):
            continue  # another deliverer has it
        started = now()
        t0 = time.monotonic()
        status, error = send_one(d, policy, started)
        elapsed = time.monotonic() - t0
        attempt = d["attempts"] + 1
        if error is None:
            outcome, nxt = "delivered", None
            report.sent += 1
        elif attempt >= max_attempts:
            outcome, nxt = "failed", None
            report.failed += 1
        else:
            outcome, nxt = "pending", started + elapsed + backoff_s * 2 ** (attempt - 1)
            report.retrying += 1
        if error:
            log.warning("watch %s delivery %s attempt %d: %s", d["watch_id"], d["id"], attempt, error)
        store.attempted(d["id"], started=started, status=status, error=error, elapsed=elapsed, outcome=outcome,
                        next_attempt=nxt)
    return report


class Deliverer(threading.Thread):
    """Runs a pass every ``interval_s`` seconds on an archive of its own (``open_archive()``,
    an object with ``run_watches()`` and ``close()``) until ``stop()``. Errors are logged and
    the next pass tries again (an archive not made yet, a lock held too long)."""

    def __init__(self, open_archive: Callable[[], Any], interval_s: float, *,
                 on_report: Callable[[PassReport], Any] | None = None):
        super().__init__(name="cablebase-watches", daemon=True)
        self._open = open_archive
        self.interval_s = interval_s
        self.on_report = on_report
        self._stop_event = threading.Event()

    def run(self) -> None:
        archive = None
        while not self._stop_event.is_set():
            try:
                if archive is None:
                    archive = self._open()
                report = archive.run_watches()
                if self.on_report is not None and (report.events or report.sent or report.failed or report.retrying):
                    self.on_report(report)
            except Exception as e:  # noqa: BLE001 - a background loop: log and go on
                log.warning("watch pass failed: %s", e)
                if archive is not None:
                    try:
                        archive.close()
                    except Exception:  # noqa: BLE001
                        pass
                    archive = None
            self._stop_event.wait(self.interval_s)
        if archive is not None:
            try:
                archive.close()
            except Exception:  # noqa: BLE001
                pass

    def stop(self, timeout: float = 30.0) -> None:
        self._stop_event.set()
        self.join(timeout)


__all__ = ["BACKOFF_S", "Deliverer", "MAX_ATTEMPTS", "SIGNATURE_HEADER", "TIMESTAMP_HEADER", "deliver_due",
           "send_one", "sign", "verify"]
