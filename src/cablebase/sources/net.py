"""URL safety for everything fetched on behalf of a feed.

Feeds and pages are hostile: a feed may point its links, redirects or images at
``file:``, ``ftp:``, ``http://169.254.169.254/`` (cloud metadata), ``http://localhost:6379``
or a LAN printer. Before any connection is opened, :func:`~cablebase.sources.resolve.check_url` refuses

- schemes other than ``http`` / ``https`` (setting ``schemes``),
- URLs with user info (``http://user:pass@host/``), without a host, or longer than ``max_url_chars``,
- hosts whose addresses (every one ``getaddrinfo`` returns) are not globally routable:
  loopback, private, link-local, shared (CGNAT), multicast, reserved, unspecified, and the
  IPv4-mapped / 6to4 / Teredo IPv6 forms of them,

unless the host or one of its addresses is in the explicit allow-list ``allow`` (host names or
CIDR networks, e.g. ``("127.0.0.1",)`` for tests; env ``CABLEBASE_NET_ALLOW``, comma separated).

The check runs on every hop of a redirect chain (the poller follows redirects itself).
A name that resolves differently between check and connect (DNS rebinding) is not covered:
the window is the time between the two look-ups.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..errors import UnsafeURL

ENV_ALLOW = "CABLEBASE_NET_ALLOW"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse_allow(items) -> tuple[frozenset[str], tuple[ipaddress._BaseNetwork, ...]]:
    hosts: set[str] = set()
    nets: list = []
    for item in items:
        item = item.strip()
        if not item:
            continue
        try:
            nets.append(ipaddress.ip_network(item.strip("[]"), strict=False))
        except ValueError:
            hosts.add(item.lower().rstrip("."))
    return frozenset(hosts), tuple(nets)


@dataclass(frozen=True)
class NetPolicy:
    """What the fetcher may connect to. Safe by default: public http(s) only."""

    schemes: tuple[str, ...] = ("http", "https")
    allow: tuple[str, ...] = ()
    """Host names or CIDR networks exempt from the address check (tests: ``("127.0.0.1",)``)."""
    max_url_chars: int = 4096
    _hosts: frozenset[str] = field(init=False, repr=False, compare=False)
    _nets: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        hosts, nets = _parse_allow(self.allow)
        object.__setattr__(self, "_hosts", hosts)
        object.__setattr__(self, "_nets", nets)

    @classmethod
    def from_env(cls, **kw) -> "NetPolicy":
        """Policy with the allow-list taken from ``CABLEBASE_NET_ALLOW`` (plus ``allow`` given)."""
        extra = tuple(x for x in os.environ.get(ENV_ALLOW, "").split(",") if x.strip())
        allow = tuple(kw.pop("allow", ())) + extra
        return cls(allow=allow, **kw)

    def host_allowed(self, host: str) -> bool:
        return host.lower().rstrip(".") in self._hosts

    def address_allowed(self, ip: IPAddress) -> bool:
        if any(ip in n for n in self._nets if n.version == ip.version):
            return True
        return is_public_address(ip)


def is_public_address(ip: IPAddress) -> bool:
    """True for a globally routable unicast address (not loopback/private/link-local/…)."""
    if isinstance(ip, ipaddress.IPv6Address):
        for inner in (ip.ipv4_mapped, ip.sixtofour, (ip.teredo or (None, None))[1]):
            if inner is not None and not is_public_address(inner):
                return False
        if ip.scope_id:
            return False
    if ip.is_multicast or ip.is_unspecified or ip.is_loopback or ip.is_link_local:
        return False
    if ip.is_private or ip.is_reserved:
        return False
    return ip.is_global


def split_checked(url: str, policy: NetPolicy) -> tuple[str, str, int]:
    """Check a URL's form (no network). Returns (scheme, host, port); raises UnsafeURL."""
    if not isinstance(url, str) or not url:
        raise UnsafeURL(str(url), "empty URL")
    if len(url) > policy.max_url_chars:
        raise UnsafeURL(url, f"URL longer than {policy.max_url_chars} characters")
    if any(c in url for c in "\r\n\t\x00 "):
        raise UnsafeURL(url, "whitespace or control character in URL")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise UnsafeURL(url, f"malformed URL: {e}") from None
    scheme = parts.scheme.lower()
    if scheme not in policy.schemes:
        raise UnsafeURL(url, f"scheme {scheme or '(none)'!r} not allowed")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL(url, "credentials in URL")
    host = parts.hostname
    if not host:
        raise UnsafeURL(url, "no host")
    if port is None:
        port = 443 if scheme == "https" else 80
    return scheme, host, port


def literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return None


def check_addresses(url: str, host: str, addresses: list[str], policy: NetPolicy) -> None:
    if not addresses:
        raise UnsafeURL(url, f"host {host!r} has no address")
    for a in addresses:
        try:
            ip = ipaddress.ip_address(a.split("%")[0])
        except ValueError:
            raise UnsafeURL(url, f"host {host!r} resolves to unreadable address {a!r}") from None
        if not policy.address_allowed(ip):
            allow = host if literal_ip(host) is None else str(ip)
            raise UnsafeURL(url, f"host {host!r} resolves to non-public address {ip}: loopback, private and"
                                 f" reserved addresses are refused unless {ENV_ALLOW} allows the host or network"
                                 f" (e.g. {ENV_ALLOW}={allow})")


def check_url_sync(url: str, policy: NetPolicy | None = None) -> None:
    policy = policy or NetPolicy.from_env()
    _scheme, host, port = split_checked(url, policy)
    if policy.host_allowed(host):
        return
    ip = literal_ip(host)
    if ip is not None:
        check_addresses(url, host, [str(ip)], policy)
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as e:
        raise UnsafeURL(url, f"cannot resolve host: {e}") from None
    check_addresses(url, host, sorted({i[4][0] for i in infos}), policy)


def is_http_url(url: str | None, max_chars: int = 4096) -> bool:
    """Cheap form check for URLs we store (links, images): http(s), a host, bounded length."""
    if not url or len(url) > max_chars:
        return False
    try:
        p = urlsplit(url)
    except ValueError:
        return False
    return p.scheme.lower() in ("http", "https") and bool(p.netloc)
