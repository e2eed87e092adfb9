"""SSRF guard: which IP addresses a fetch may connect to, vetted where the socket connects.

Strangers choose the URLs we fetch, so an address is checked against an explicit table of
ranges (`BLOCKED_RANGES`) at two places:

* `VettingResolver` wraps aiohttp's resolver: the name is resolved once, every record is
  vetted, and only vetted addresses are handed to the connector, so the socket connects to
  an address we checked (no second lookup an attacker's DNS could answer differently) while
  TLS still verifies the host name.
* aiohttp never calls the resolver for IP-literal hosts, so `AddressPolicy.vet_host` checks
  literals before every request and every redirect hop, parsing numeric forms the way
  `inet_aton` does (`2130706433`, `0x7f.1`, `127.1` all mean 127.0.0.1).

Ranges that carry an IPv4 address inside an IPv6 one (IPv4-mapped, NAT64, 6to4) are judged
by the embedded IPv4 address.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from siteaudit.crawl.errors import BlockedAddressError, IPAddress
from siteaudit.pipeline.urls import InvalidURLError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Exposure(StrEnum):
    """Which policy switch, if any, opens a range."""

    LOOPBACK = "loopback"
    PRIVATE = "private"
    NEVER = "never"
    EMBEDDED = "embedded"  # the range carries an IPv4 address: vet that one instead


@dataclass(frozen=True, slots=True)
class AddressRange:
    """One row of the table: a named network and what opens it."""

    name: str
    network: IPNetwork
    exposure: Exposure


def _row(name: str, cidr: str, exposure: Exposure) -> AddressRange:
    return AddressRange(name, ipaddress.ip_network(cidr), exposure)


_L, _P, _N, _E = Exposure.LOOPBACK, Exposure.PRIVATE, Exposure.NEVER, Exposure.EMBEDDED

#: Every special-purpose range, narrowest first so a message names the most specific one.
#: Link-local and metadata stay closed even for the CLI: no audit needs them, and they are
#: the classic SSRF prize (cloud credentials).
BLOCKED_RANGES: tuple[AddressRange, ...] = (
    _row("cloud-metadata", "169.254.169.254/32", _N),
    _row("cloud-metadata", "100.100.100.200/32", _N),  # Alibaba Cloud
    _row("cloud-metadata", "168.63.129.16/32", _N),  # Azure wire server (a public address)
    _row("this-network", "0.0.0.0/8", _N),
    _row("loopback", "127.0.0.0/8", _L),
    _row("private", "10.0.0.0/8", _P),
    _row("private", "172.16.0.0/12", _P),
    _row("private", "192.168.0.0/16", _P),
    _row("carrier-grade-nat", "100.64.0.0/10", _P),
    _row("link-local", "169.254.0.0/16", _N),
    _row("ietf-protocol-assignments", "192.0.0.0/24", _N),
    _row("documentation", "192.0.2.0/24", _N),
    _row("6to4-relay-anycast", "192.88.99.0/24", _N),
    _row("benchmarking", "198.18.0.0/15", _P),
    _row("documentation", "198.51.100.0/24", _N),
    _row("documentation", "203.0.113.0/24", _N),
    _row("multicast", "224.0.0.0/4", _N),
    _row("broadcast", "255.255.255.255/32", _N),
    _row("reserved", "240.0.0.0/4", _N),
    _row("cloud-metadata", "fd00:ec2::254/128", _N),  # AWS IMDS over IPv6
    _row("unspecified", "::/128", _N),
    _row("loopback", "::1/128", _L),
    _row("ipv4-mapped", "::ffff:0:0/96", _E),
    _row("ipv4-translated", "::ffff:0:0:0/96", _E),
    _row("ipv4-compatible", "::/96", _N),  # deprecated by RFC 4291; nothing legitimate uses it
    _row("nat64", "64:ff9b::/96", _E),
    _row("nat64-local", "64:ff9b:1::/48", _P),
    _row("discard-only", "100::/64", _N),
    _row("orchid", "2001:10::/28", _N),
    _row("orchid-v2", "2001:20::/28", _N),
    _row("documentation", "2001:db8::/32", _N),
    _row("teredo", "2001::/32", _N),  # tunnels to an obfuscated IPv4 we cannot vet cheaply
    _row("6to4", "2002::/16", _E),
    _row("documentation", "3fff::/20", _N),
    _row("unique-local", "fc00::/7", _P),
    _row("site-local", "fec0::/10", _P),
    _row("link-local", "fe80::/10", _N),
    _row("multicast", "ff00::/8", _N),
)


def classify(address: IPAddress) -> AddressRange | None:
    """The narrowest special-purpose range holding `address`; None for a public address."""
    for row in BLOCKED_RANGES:
        if row.network.version == address.version and address in row.network:
            return row
    if not address.is_global:
        # A safety net for ranges IANA adds after this table was written.
        return _row("non-global", f"{address}/{address.max_prefixlen}", _N)
    return None


def embedded_ipv4(address: IPAddress, row: AddressRange) -> ipaddress.IPv4Address:
    """The IPv4 address an IPv4-mapped, NAT64 or 6to4 address carries."""
    value = int(address)
    if row.network.prefixlen == 16:  # 6to4 keeps it in bits 16-47 (RFC 3056)
        return ipaddress.IPv4Address((value >> 80) & 0xFFFFFFFF)
    return ipaddress.IPv4Address(value & 0xFFFFFFFF)


_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)", re.IGNORECASE)
_IPV4_CHARS = re.compile(r"[0-9a-fx.]+", re.IGNORECASE)


def parse_host_address(host: str) -> IPAddress | None:
    """The address an URL host denotes, or None when it is a name that needs DNS.

    Numeric IPv4 forms are read as `inet_aton` (and the WHATWG URL standard) read them, so
    `0x7f.1` and `2130706433` are 127.0.0.1. A host whose last label is a number but which
    is no valid IPv4 address raises InvalidURLError, as it does in a browser.
    """
    host = host.strip("[]").rstrip(".").lower()
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError as exc:
            raise InvalidURLError(f"invalid IPv6 host {host!r}") from exc
    if not _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
        return None
    try:
        if not _IPV4_CHARS.fullmatch(host):
            raise OSError
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError as exc:
        raise InvalidURLError(f"numeric host {host!r} is not a valid IPv4 address") from exc


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which special-purpose ranges a fetch may reach; public addresses are always allowed."""

    allow_private: bool = False
    allow_loopback: bool = False

    @classmethod
    def cli(cls) -> AddressPolicy:
        """An operator on their own machine: private and loopback open (auditing a dev server)."""
        return cls(allow_private=True, allow_loopback=True)

    @classmethod
    def service(cls) -> AddressPolicy:
        """URLs from strangers (the API): public addresses only."""
        return cls(allow_private=False, allow_loopback=False)

    def vet(self, address: IPAddress, host: str = "") -> None:
        """Return when `address` may be reached; raise BlockedAddressError naming the range."""
        blocked = self._blocking(address)
        if blocked is not None:
            name, network = blocked
            raise BlockedAddressError(address, name, network, host)

    def vet_host(self, host: str) -> None:
        """Vet an IP-literal URL host (numeric tricks included); names pass to the resolver."""
        address = parse_host_address(host)
        if address is not None:
            self.vet(address, host)

    def _blocking(self, address: IPAddress) -> tuple[str, str] | None:
        row = classify(address)
        if row is None:
            return None
        if row.exposure is Exposure.EMBEDDED:
            inner = embedded_ipv4(address, row)
            hit = self._blocking(inner)
            if hit is None:
                return None
            return f"{row.name} {hit[0]}", f"{row.network} carrying {inner} ({hit[1]})"
        if row.exposure is Exposure.LOOPBACK and self.allow_loopback:
            return None
        if row.exposure is Exposure.PRIVATE and self.allow_private:
            return None
        return row.name, str(row.network)


class VettingResolver(AbstractResolver):
    """An aiohttp resolver that resolves once and returns only addresses the policy allows.

    `hosts` pins names to addresses, as a hosts file or curl's --resolve would (auditing a
    staging server under the site's real name); a pinned address is vetted like any other.
    """

    def __init__(
        self,
        policy: AddressPolicy,
        inner: AbstractResolver | None = None,
        hosts: Mapping[str, str] | None = None,
    ) -> None:
        self._policy = policy
        self._inner = inner if inner is not None else DefaultResolver()
        self._hosts = {name.lower().rstrip("."): address for name, address in (hosts or {}).items()}

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Resolve `host`; raise BlockedAddressError when no record survives vetting."""
        pinned = self._hosts.get(host.lower().rstrip("."))
        if pinned is not None:
            records = [_record(host, pinned, port)]
        else:
            records = await self._inner.resolve(host, port, family)
        allowed: list[ResolveResult] = []
        first_block: BlockedAddressError | None = None
        for record in records:
            try:
                self._policy.vet(ipaddress.ip_address(record["host"]), host)
            except BlockedAddressError as exc:
                first_block = first_block or exc
                continue
            except ValueError:
                continue  # an address we cannot even parse is never connected to
            allowed.append(record)
        if not allowed:
            raise first_block or OSError(f"no usable address for {host}")
        return allowed

    async def close(self) -> None:
        """Close the wrapped resolver."""
        await self._inner.close()


def _record(host: str, address: str, port: int) -> ResolveResult:
    ip = ipaddress.ip_address(address)
    return {
        "hostname": host,
        "host": str(ip),
        "port": port,
        "family": socket.AF_INET6 if ip.version == 6 else socket.AF_INET,
        "proto": 0,
        "flags": socket.AI_NUMERICHOST,
    }
