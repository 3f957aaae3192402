"""Resolving a host before connecting to it, for the fetcher: every address it resolves to must
pass the network policy (``net.check_addresses``), and answers are cached for one polling pass.
Kept apart from ``net`` because it needs the event loop (``asyncio``), which nothing else that
reads the policy (the settings, the subscription checks) should have to load."""

from __future__ import annotations

import asyncio
import socket

from ..errors import UnsafeURL
from .net import NetPolicy, literal_ip, check_addresses, split_checked


class Resolver:
    """Resolves and checks hosts; caches answers for its lifetime (one polling pass)."""

    def __init__(self, policy: NetPolicy, cache_size: int = 10000):
        self.policy = policy
        self._cache: dict[tuple[str, int], list[str]] = {}
        self._cache_size = cache_size
        self._passed: set[tuple[str, int]] = set()
        """(host, port) already found safe in this resolver's lifetime (a pass): not checked again."""

    async def _resolve(self, host: str, port: int) -> list[str]:
        key = (host, port)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, OSError) as e:
            raise UnsafeURL(f"//{host}", f"cannot resolve host: {e}") from None
        addrs = sorted({info[4][0] for info in infos})
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[key] = addrs
        return addrs

    async def check(self, url: str) -> None:
        """Raise UnsafeURL unless ``url`` may be fetched. Resolves the host (before connecting)."""
        _scheme, host, port = split_checked(url, self.policy)
        key = (host, port)
        if key in self._passed:
            return
        if not self.policy.host_allowed(host):
            ip = literal_ip(host)
            if ip is not None:
                check_addresses(url, host, [str(ip)], self.policy)
            else:
                try:
                    addrs = await self._resolve(host, port)
                except UnsafeURL as e:
                    raise UnsafeURL(url, e.reason) from None
                check_addresses(url, host, addrs, self.policy)
        if len(self._passed) >= self._cache_size:
            self._passed.clear()
        self._passed.add(key)


async def checked_addresses(url: str, policy: NetPolicy) -> list[str] | None:
    """Check ``url`` as ``Resolver.check`` does and return the addresses it was checked with, to
    connect to without looking the name up again (closing the DNS-rebinding window); None for
    a host the allow-list names, which is connected to by name. Raises UnsafeURL."""
    _scheme, host, port = split_checked(url, policy)
    if policy.host_allowed(host):
        return None
    ip = literal_ip(host)
    if ip is not None:
        check_addresses(url, host, [str(ip)], policy)
        return [str(ip)]
    try:
        addrs = await Resolver(policy)._resolve(host, port)
    except UnsafeURL as e:
        raise UnsafeURL(url, e.reason) from None
    check_addresses(url, host, addrs, policy)
    return addrs


async def check_url(url: str, policy: NetPolicy | None = None) -> None:
    """One-off check of ``url`` (see module doc). Raises UnsafeURL."""
    await Resolver(policy or NetPolicy.from_env()).check(url)


__all__ = ["Resolver", "check_url", "checked_addresses"]
