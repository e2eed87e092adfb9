"""The SSRF address table: every range, both policies, and numeric host tricks."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from siteaudit.crawl.errors import BlockedAddressError
from siteaudit.crawl.ssrf import (
    BLOCKED_RANGES,
    AddressPolicy,
    AddressRange,
    Exposure,
    VettingResolver,
    parse_host_address,
)
from siteaudit.pipeline.urls import InvalidURLError

PLAIN_ROWS = [row for row in BLOCKED_RANGES if row.exposure is not Exposure.EMBEDDED]


def sample(row: AddressRange) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An address inside the row, away from the edges narrower rows like to sit on."""
    return row.network[row.network.num_addresses // 2]


@pytest.mark.parametrize("row", PLAIN_ROWS, ids=lambda r: f"{r.name}-{r.network}")
def test_service_policy_blocks_every_range_and_names_it(row: AddressRange) -> None:
    with pytest.raises(BlockedAddressError) as caught:
        AddressPolicy.service().vet(sample(row))
    assert caught.value.range_name == row.name
    assert str(row.network) in str(caught.value)


@pytest.mark.parametrize("row", PLAIN_ROWS, ids=lambda r: f"{r.name}-{r.network}")
def test_cli_policy_opens_only_loopback_and_private_ranges(row: AddressRange) -> None:
    policy = AddressPolicy.cli()
    if row.exposure is Exposure.NEVER:
        with pytest.raises(BlockedAddressError):
            policy.vet(sample(row))
    else:
        policy.vet(sample(row))


@pytest.mark.parametrize(
    "address",
    ["169.254.169.254", "fd00:ec2::254", "100.100.100.200", "169.254.0.1", "fe80::1"],
)
def test_cloud_metadata_and_link_local_stay_blocked_even_for_the_cli(address: str) -> None:
    with pytest.raises(BlockedAddressError):
        AddressPolicy.cli().vet(ipaddress.ip_address(address))


def test_metadata_address_is_named_as_cloud_metadata() -> None:
    with pytest.raises(BlockedAddressError, match="cloud-metadata"):
        AddressPolicy.service().vet(ipaddress.ip_address("169.254.169.254"))


@pytest.mark.parametrize(
    ("address", "inner_range"),
    [
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.1.2.3", "private"),
        ("::ffff:169.254.169.254", "cloud-metadata"),
        ("::ffff:0:127.0.0.1", "loopback"),
        ("64:ff9b::7f00:1", "loopback"),
        ("64:ff9b::a9fe:a9fe", "cloud-metadata"),
        ("2002:7f00:1::", "loopback"),
        ("2002:c0a8:101::1", "private"),
    ],
)
def test_ipv6_forms_carrying_a_blocked_ipv4_are_blocked(address: str, inner_range: str) -> None:
    with pytest.raises(BlockedAddressError, match=inner_range):
        AddressPolicy.service().vet(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"])
def test_ipv6_forms_carrying_a_public_ipv4_are_allowed(address: str) -> None:
    AddressPolicy.service().vet(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "1.1.1.1", "2606:4700::1111", "8.8.4.4"])
def test_public_addresses_pass_the_service_policy(address: str) -> None:
    AddressPolicy.service().vet(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7F000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("[fe80::1%eth0]", "fe80::1"),
        ("169.254.169.254", "169.254.169.254"),
    ],
)
def test_numeric_hosts_are_read_as_inet_aton_reads_them(host: str, address: str) -> None:
    assert parse_host_address(host) == ipaddress.ip_address(address)


@pytest.mark.parametrize("host", ["example.com", "cafe.be", "deadbeef", "0x7f.example", "a.b"])
def test_host_names_are_left_to_the_resolver(host: str) -> None:
    assert parse_host_address(host) is None


@pytest.mark.parametrize("host", ["1.1.1.1.1", "256.1.1.1", "example.123", "4294967296", "[::g]"])
def test_numeric_looking_hosts_that_are_no_address_are_invalid(host: str) -> None:
    with pytest.raises(InvalidURLError):
        parse_host_address(host)


@pytest.mark.parametrize(
    "host", ["2130706433", "0x7f.1", "127.1", "[::ffff:127.0.0.1]", "0", "0x7f000001"]
)
def test_service_policy_blocks_numeric_loopback_tricks(host: str) -> None:
    with pytest.raises(BlockedAddressError):
        AddressPolicy.service().vet_host(host)


def test_cli_policy_lets_an_operator_reach_loopback() -> None:
    AddressPolicy.cli().vet_host("127.0.0.1")
    AddressPolicy.cli().vet(ipaddress.ip_address("::1"))


class FakeResolver(AbstractResolver):
    """Answers every name with fixed addresses, without any network."""

    def __init__(self, addresses: list[str]) -> None:
        self.addresses = addresses
        self.closed = False

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(hostname=host, host=a, port=port, family=family, proto=0, flags=0)
            for a in self.addresses
        ]

    async def close(self) -> None:
        self.closed = True


async def test_resolver_returns_only_the_records_that_pass_vetting() -> None:
    inner = FakeResolver(["10.0.0.5", "93.184.215.14", "127.0.0.1"])
    resolver = VettingResolver(AddressPolicy.service(), inner)
    records = await resolver.resolve("rebind.example", 80)
    assert [r["host"] for r in records] == ["93.184.215.14"]


async def test_resolver_refuses_a_name_that_resolves_only_to_blocked_addresses() -> None:
    resolver = VettingResolver(AddressPolicy.service(), FakeResolver(["169.254.169.254"]))
    with pytest.raises(BlockedAddressError, match=r"metadata\.example -> 169\.254\.169\.254"):
        await resolver.resolve("metadata.example", 80)


async def test_closing_the_resolver_closes_the_wrapped_one() -> None:
    inner = FakeResolver([])
    await VettingResolver(AddressPolicy.service(), inner).close()
    assert inner.closed


async def test_a_pinned_host_connects_to_its_address_without_asking_dns() -> None:
    inner = FakeResolver(["93.184.215.14"])
    resolver = VettingResolver(AddressPolicy.cli(), inner, hosts={"Staging.Example.": "10.0.0.5"})
    records = await resolver.resolve("staging.example", 443)
    assert [(r["host"], r["port"], r["hostname"]) for r in records] == [
        ("10.0.0.5", 443, "staging.example")
    ]
    other = await resolver.resolve("www.example", 443)  # names not pinned still ask DNS
    assert [r["host"] for r in other] == ["93.184.215.14"]


async def test_a_pinned_address_is_vetted_like_a_resolved_one() -> None:
    resolver = VettingResolver(
        AddressPolicy.service(), FakeResolver([]), hosts={"meta.example": "169.254.169.254"}
    )
    with pytest.raises(BlockedAddressError, match=r"169\.254\.169\.254"):
        await resolver.resolve("meta.example", 80)
