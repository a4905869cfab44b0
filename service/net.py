"""Where outgoing requests may go: never to this machine or to the networks behind it.

Webhook targets and feed URLs are chosen by whoever holds an admin key, and the service sits
inside a network that may hold metadata endpoints (169.254.169.254), databases and admin
consoles. So a URL is refused when any address its host resolves to is not public: loopback,
private, link-local, multicast, reserved, unspecified, shared (CGNAT) or documentation space,
including IPv4 addresses hidden in IPv6 (mapped, 6to4, NAT64). Hosts, addresses and networks
named in an allow-list are exempt (tests reach 127.0.0.1); each use has its own list.

A URL is checked when it is registered and again when it is used; and because DNS may answer
differently between the check and the connection (rebinding), and a redirect may lead
elsewhere, `guarded_session` checks every connection twice: the host's addresses before
connecting, and the address the socket actually connected to before a byte is sent.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
SCHEMES = ("http", "https")


class TargetRefused(ValueError):
    """A URL the service will not send to, with the reason a person can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class HostUnresolved(TargetRefused):
    """The URL's host resolves to no address now, so nothing can be said about where it leads."""


@dataclass(frozen=True)
class AllowList:
    hosts: frozenset[str]
    networks: tuple[Network, ...]

    def admits(self, host: str, address: Address) -> bool:
        return _canonical_host(host) in self.hosts or any(
            candidate in network for network in self.networks
            for candidate in _embedded(address) if candidate.version == network.version)


@lru_cache(maxsize=32)
def allow_list(spec: str) -> AllowList:
    """Parse the comma-separated setting: each entry an address, a network or a host name."""
    hosts: set[str] = set()
    networks: list[Network] = []
    for entry in filter(None, (part.strip() for part in spec.split(","))):
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            hosts.add(_canonical_host(entry))
    return AllowList(frozenset(hosts), tuple(networks))


def _canonical_host(host: str) -> str:
    return host.strip("[]").rstrip(".").lower()


def _embedded(address: Address) -> list[Address]:
    """The address and any IPv4 address it carries (mapped, 6to4, NAT64): where it leads."""
    found: list[Address] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            found.append(address.ipv4_mapped)
        elif address.sixtofour is not None:
            found.append(address.sixtofour)
        elif address in NAT64:
            found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def refusal(address: Address) -> str | None:
    """Why an address is not a public one, or None if it is."""
    # An IPv6 form that carries an IPv4 address is judged by the IPv4 address alone.
    candidate = _embedded(address)[-1]
    for kind in ("loopback", "unspecified", "link_local", "multicast", "private", "reserved"):
        if getattr(candidate, f"is_{kind}"):
            return f"{kind.replace('_', '-')} address {candidate}"
    if not candidate.is_global:
        return f"non-public address {candidate}"
    return None


def _address(text: str) -> Address:
    return ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")


def check_address(host: str, address: Address, allow: str) -> None:
    reason = refusal(address)
    if reason is not None and not allow_list(allow).admits(host, address):
        raise TargetRefused(f"{host} leads to a {reason}")


def check_target(url: str, allow: str) -> None:
    """Raise `TargetRefused` unless `url` is http(s) and every address of its host is allowed."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        raise TargetRefused("only http and https URLs can be reached")
    if any(c.isspace() for c in url):
        raise TargetRefused("a URL cannot contain spaces")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise TargetRefused("the port is not a number from 0 to 65535") from None
    if not host:
        raise TargetRefused("the URL names no host")
    check_host(host, port or 443, allow)


def check_host(host: str, port: int, allow: str) -> None:
    """Raise `TargetRefused` unless every address `host` resolves to is public or allowed."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise HostUnresolved(f"the host {host} cannot be resolved ({exc})") from None
    for *_, sockaddr in found:
        check_address(host, _address(str(sockaddr[0])), allow)


def _connect(host: str, port: int, allow: str, connect: Callable[[], socket.socket]
             ) -> socket.socket:
    """Connect only where `host` resolves to allowed addresses, and check the peer it got."""
    try:
        # Before any packet, so that a refused address answers alike whether or not something
        # listens there: a redirect cannot be used to scan the internal network's ports.
        check_host(host.strip("[]"), port, allow)
    except HostUnresolved:
        pass  # the connection then fails on its own, as the network error it is
    sock = connect()
    try:
        check_address(host, _address(sock.getpeername()[0]), allow)
    except TargetRefused:
        sock.close()
        raise
    return sock


def guarded_session(allow: str) -> requests.Session:
    """A requests session that refuses, per connection, any peer `check_target` would refuse.

    It ignores proxy settings from the environment: a proxy would hide the real peer.
    """

    class GuardedHTTP(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return _connect(self.host, self.port, allow, super()._new_conn)

    class GuardedHTTPS(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return _connect(self.host, self.port, allow, super()._new_conn)

    class HTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTP

    class HTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPS

    class Adapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": HTTPPool, "https": HTTPSPool}

    session = requests.Session()
    session.trust_env = False
    session.mount("http://", Adapter())
    session.mount("https://", Adapter())
    return session
