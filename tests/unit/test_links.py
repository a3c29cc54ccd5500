"""The link fetcher over real loopback HTTP: where links may lead, how long and how much.

There is no DNS here, so tests that need a name hand the fetcher a resolver (its one seam); the
connections themselves are real, to servers on 127.0.0.1 and 127.0.0.2.
"""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
import time
from collections.abc import Sequence
from ipaddress import ip_address, ip_network

import pytest
from pydantic import ValidationError

from bot.errors import AccessDenied, LinkRefused
from bot.links import LinkFetcher, LinkPolicy, refusal, shown
from tests.link_server import LinkServer, closed_port
from tests.support.settings import make_settings

CLIP = b"\0\0\0\x18ftypmp42" + bytes(range(256)) * 400  # bytes enough; nothing decodes them
LOOPBACK = (ip_network("127.0.0.0/8"),)
SECOND = (ip_network("127.0.0.2/32"),)


class Names:
    """The resolver seam: a name -> addresses table that counts lookups."""

    def __init__(self, **table: Sequence[str]) -> None:
        self.table = {name.replace("_", "."): list(a) for name, a in table.items()}
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.lookups.append(host)
        if host not in self.table:
            raise OSError(f"no such name {host}")
        return self.table[host]


async def fetch(fetcher: LinkFetcher, url: str) -> bytes:
    got = bytearray()
    async with fetcher.open(url) as chunks:
        async for chunk in chunks:
            got += chunk
    return bytes(got)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
        "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "224.0.1.1", "239.1.2.3",
        "198.18.0.1", "192.0.2.1", "240.0.0.1", "255.255.255.255",
        "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "fec0::1", "ff02::1", "ff0e::1",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1",
        "2002:7f00:1::1", "2002:a9fe:a9fe::1", "64:ff9b::7f00:1", "64:ff9b::a00:1",
        "64:ff9b:1::1", "2001::1", "2001:db8::1",
    ],
)  # fmt: skip
def test_private_and_special_addresses_are_refused(address: str) -> None:
    assert refusal(ip_address(address)) is not None


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "2002:808:808::1"]
)
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ip_address(address)) is None


def test_the_allowlist_opens_a_network_and_its_ipv6_forms() -> None:
    allowed = (ip_network("10.0.0.0/8"),)
    assert refusal(ip_address("10.1.2.3"), allowed) is None
    assert refusal(ip_address("::ffff:10.1.2.3"), allowed) is None
    assert refusal(ip_address("192.168.1.1"), allowed) is not None


def test_logs_see_links_without_their_query() -> None:
    assert shown("https://u:pw@cdn.example:8443/a/b.mp4?sig=SECRET#x") == (
        "https://cdn.example:8443/a/b.mp4"
    )


async def test_a_loopback_link_is_refused_without_a_request() -> None:
    async with LinkServer(CLIP) as server:
        with pytest.raises(LinkRefused, match="loopback"):
            await fetch(LinkFetcher(LinkPolicy()), server.url("/clip.mp4"))
        assert server.seen == []


@pytest.mark.parametrize("form", ["[::ffff:127.0.0.1]", "2130706433", "0x7f.1", "[::1]"])
async def test_other_spellings_of_loopback_are_refused(form: str) -> None:
    names = Names(**{"2130706433": ["127.0.0.1"], "0x7f_1": ["127.0.0.1"]})
    async with LinkServer(CLIP) as server:
        with pytest.raises(LinkRefused):
            await fetch(LinkFetcher(LinkPolicy(), names), server.url("/clip.mp4", form))
        assert server.seen == []


async def test_a_name_with_one_private_address_among_public_ones_is_refused() -> None:
    names = Names(cdn_example_com=["93.184.216.34", "10.0.0.7"])
    with pytest.raises(LinkRefused, match=r"10\.0\.0\.7"):
        await fetch(LinkFetcher(LinkPolicy(), names), "https://cdn.example.com/clip.mp4")


async def test_a_public_name_that_redirects_to_loopback_is_refused() -> None:
    # videos.example.com is the server on 127.0.0.2 (allowed, standing in for a public host);
    # its redirect leads to the bot's own machine on 127.0.0.1, which is not.
    names = Names(videos_example_com=["127.0.0.2"], localhost=["127.0.0.1"])
    fetcher = LinkFetcher(LinkPolicy(allowed=SECOND), names)
    async with LinkServer(CLIP, host="127.0.0.2") as public, LinkServer(CLIP) as inside:
        for target in (inside.url("/clip.mp4"), inside.url("/clip.mp4", "localhost")):
            public.redirect_to = target
            with pytest.raises(LinkRefused, match=r"127\.0\.0\.1"):
                await fetch(fetcher, public.url("/redirect.mp4", "videos.example.com"))
        assert inside.seen == []
        assert [s.host for s in public.seen] == [f"videos.example.com:{public.port}"] * 2


async def test_redirects_are_followed_a_few_times_only() -> None:
    fetcher = LinkFetcher(LinkPolicy(allowed=LOOPBACK))
    async with LinkServer(CLIP) as server:
        server.redirect_to = server.url("/redirect.mp4")  # a loop
        with pytest.raises(LinkRefused, match="redirects"):
            await fetch(fetcher, server.url("/redirect.mp4"))
        assert len(server.seen) == 4  # the link and three redirects
        server.redirect_to = server.url("/clip.mp4")
        assert await fetch(fetcher, server.url("/redirect.mp4")) == CLIP


async def test_the_connection_goes_to_the_address_that_was_checked() -> None:
    # One lookup per hop: a second one could rebind the name to 127.0.0.1. There is no DNS here,
    # so had aiohttp looked the name up itself, the fetch would have failed.
    names = Names(videos_example_com=["127.0.0.2"])
    fetcher = LinkFetcher(LinkPolicy(allowed=SECOND), names)
    async with LinkServer(CLIP, host="127.0.0.2") as server:
        assert await fetch(fetcher, server.url("/clip.mp4", "videos.example.com")) == CLIP
    assert names.lookups == ["videos.example.com"]
    assert server.seen[0].host == f"videos.example.com:{server.port}"


@pytest.mark.parametrize("path", ["/drip.mp4", "/silent.mp4"])
async def test_a_slow_link_ends_within_the_time_budget(path: str) -> None:
    fetcher = LinkFetcher(LinkPolicy(allowed=LOOPBACK, timeout=1.0))
    async with LinkServer(CLIP) as server:
        started = time.monotonic()
        with pytest.raises(LinkRefused, match="within 1s"):
            await asyncio.wait_for(fetch(fetcher, server.url(path)), 8)
        assert time.monotonic() - started < 3


async def test_a_too_large_content_length_is_refused_before_reading() -> None:
    fetcher = LinkFetcher(LinkPolicy(allowed=LOOPBACK, max_size=100_000))
    async with LinkServer(CLIP) as server:
        with pytest.raises(LinkRefused, match="Content-Length"):
            async with fetcher.open(server.url("/huge.mp4")):
                pytest.fail("a stream was handed out")


async def test_a_body_without_length_stops_at_the_cap() -> None:
    fetcher = LinkFetcher(LinkPolicy(allowed=LOOPBACK, max_size=1_000_000))
    received = 0
    async with LinkServer(CLIP) as server:
        with pytest.raises(LinkRefused, match="cap"):
            async with fetcher.open(server.url("/endless.mp4")) as chunks:
                async for chunk in chunks:
                    received += len(chunk)
    assert 0 < received <= 1_000_000


@pytest.mark.parametrize(
    ("where", "why"),
    [
        (lambda s: f"http://127.0.0.1:{closed_port()}/x.mp4", "ClientConnectorError"),
        (lambda s: s.url("/page.mp4"), "text/html"),
        (lambda s: s.url("/missing.mp4"), "HTTP 404"),
        (lambda s: s.url("/clip.mp4").replace("http:", "ftp:"), "http"),
    ],
)
async def test_closed_ports_pages_and_errors_are_refusals_too(where: object, why: str) -> None:
    fetcher = LinkFetcher(LinkPolicy(allowed=LOOPBACK))
    async with LinkServer(CLIP) as server:
        with pytest.raises(LinkRefused, match=why):
            await fetch(fetcher, where(server))  # type: ignore[operator]


async def test_turned_off_links_are_not_fetched_nor_handed_over() -> None:
    fetcher = LinkFetcher(LinkPolicy(enabled=False, allowed=LOOPBACK))
    async with LinkServer(CLIP) as server:
        attachment = fetcher.attachment(server.url("/clip.mp4"))
        assert attachment.public_url is None
        with pytest.raises(AccessDenied):
            async with attachment.open():
                pass
        assert server.seen == []


def test_the_allowlist_setting_takes_networks_and_names_a_bad_one() -> None:
    settings = make_settings(link_allowed_networks="10.0.0.0/8, fd00::/8")
    assert LinkPolicy.from_settings(settings).allowed == (
        ip_network("10.0.0.0/8"),
        ip_network("fd00::/8"),
    )
    with pytest.raises(ValidationError, match="intranet"):
        make_settings(link_allowed_networks="intranet")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for videos.example.com: (the server's context, a client's that
    trusts it)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=videos.example.com",
         "-addext", "subjectAltName=DNS:videos.example.com"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    return server, ssl.create_default_context(cafile=str(cert))


async def test_https_names_the_host_while_connecting_to_the_checked_address(
    certificate: tuple[ssl.SSLContext, ssl.SSLContext],
) -> None:
    # The connection goes to 127.0.0.2, yet TLS is for the link's name: SNI and the certificate
    # check use videos.example.com, so a certificate for another name is refused.
    server_tls, trust = certificate
    names = Names(videos_example_com=["127.0.0.2"], other_example_com=["127.0.0.2"])
    fetcher = LinkFetcher(LinkPolicy(allowed=SECOND), names, ssl_context=trust)
    async with LinkServer(CLIP, host="127.0.0.2", tls=server_tls) as server:
        assert await fetch(fetcher, server.url("/clip.mp4", "videos.example.com")) == CLIP
        with pytest.raises(LinkRefused, match="Certificate"):
            await fetch(fetcher, server.url("/clip.mp4", "other.example.com"))
    assert [s.host for s in server.seen] == [f"videos.example.com:{server.port}"]
