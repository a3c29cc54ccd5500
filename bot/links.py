"""Video links people send, fetched without letting a stranger use the bot to reach inside.

One fetcher for every platform and backend. A link is fetched only when:

- it is `http` or `https`;
- its host resolves, and EVERY address it resolves to is public (see `refusal`), or lies in an
  operator's `LINK_ALLOWED_NETWORKS`;
- the connection goes to exactly the addresses that were checked: aiohttp asks a pinned resolver
  that answers from the check, so a second DNS lookup cannot rebind the name to 127.0.0.1 (the
  Host header, SNI and certificate check still use the link's own name);
- each redirect (at most `MAX_REDIRECTS`) passes the same check before it is followed;
- the body fits in `LINK_MAX_SIZE` (a too large Content-Length is refused before reading, a body
  without one stops at the cap) and the whole download, redirects and body, ends within
  `LINK_TIMEOUT`, however slowly the server drips.

Every refusal raises `LinkRefused`: a person gets the same sentence whether the address was
private, the port closed, the server slow or the file not a video, so answers cannot map the
operator's network. The log gets the real reason, with the link shown without its query string.

`check()` alone runs the address check, for backends that hand a URL over to be fetched elsewhere
(NemoVideo's URL uploads). Nothing here imports a chat platform library.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

import aiohttp
import yarl
from aiohttp.abc import AbstractResolver, ResolveResult

from bot import formats
from bot.errors import AccessDenied, LinkRefused
from bot.models import Attachment, ByteStream

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = [
    "LinkFetcher",
    "LinkPolicy",
    "Resolver",
    "is_video_link",
    "refusal",
    "shown",
    "system_resolve",
]

log = logging.getLogger(__name__)

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""host, port -> the addresses to connect to (as text). `system_resolve` asks the system."""

CHUNK = 256 * 1024
MAX_REDIRECTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NOT_VIDEO_TYPES = ("text/", "application/json", "application/xml", "application/xhtml")

# Refused whatever `is_global` says in this Python version: multicast is "global" to ipaddress,
# and the others have moved in and out of its tables between releases.
_NEVER: tuple[Network, ...] = tuple(
    ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local machine
        "100.64.0.0/10",  # carrier-grade NAT
        "169.254.0.0/16",  # link-local, with the cloud metadata service at 169.254.169.254
        "198.18.0.0/15",  # benchmarking
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # the old site-local
        "ff00::/8",  # multicast
        "64:ff9b:1::/48",  # local-use NAT64
        "2001::/23",  # IETF protocol assignments (Teredo among them)
    )
)
_NAT64 = ip_network("64:ff9b::/96")
_COMPATIBLE = ip_network("::/96")  # deprecated IPv4-compatible form, ::127.0.0.1


def is_video_link(url: str) -> bool:
    """A direct http(s) link to a video file (by its extension), not a page about one."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    return PurePosixPath(unquote(parts.path)).suffix.lower() in formats.VIDEO_EXTENSIONS


def shown(url: str) -> str:
    """A link as logs may show it: no query string, fragment or user:password."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<unreadable link>"
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _embedded_v4(address: Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, compatible, 6to4, NAT64), if any."""
    if not isinstance(address, IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _COMPATIBLE and int(address) > 1):
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal(address: Address, allowed: Iterable[Network] = ()) -> str | None:
    """Why the bot may not connect to `address`, or None when it may.

    Public (`is_global`) addresses only, minus `_NEVER`; an IPv6 address that carries an IPv4
    one (::ffff:127.0.0.1, 2002:7f00:1::, 64:ff9b::a00:1) is judged by that IPv4 address too.
    `allowed` networks (the operator's LINK_ALLOWED_NETWORKS) are let through.
    """
    allowed = tuple(allowed)
    if any(address.version == net.version and address in net for net in allowed):
        return None
    inner = _embedded_v4(address)
    if inner is not None:
        why = refusal(inner, allowed)
        if why is not None:
            return f"{address} carries {inner}, {why}"
        return None
    if any(address.version == net.version and address in net for net in _NEVER):
        return f"{address} is in a refused range"
    if address.is_loopback:
        return f"{address} is loopback"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


async def system_resolve(host: str, port: int) -> Sequence[str]:
    """Every address the system resolves `host` to, without blocking the event loop."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True, slots=True)
class LinkPolicy:
    """What the fetcher allows; `from_settings` reads it from LINKS_ENABLED and LINK_*."""

    enabled: bool = True
    max_size: int = 200_000_000
    timeout: float = 300.0
    allowed: tuple[Network, ...] = ()
    max_redirects: int = MAX_REDIRECTS

    @classmethod
    def from_settings(cls, settings: Settings) -> LinkPolicy:
        return cls(
            enabled=settings.links_enabled,
            max_size=settings.link_max_size,
            timeout=settings.link_timeout,
            allowed=tuple(ip_network(n, strict=False) for n in settings.link_allowed_networks),
        )


class _Pinned(AbstractResolver):
    """aiohttp's resolver for one download: answers only with addresses `LinkFetcher` checked."""

    def __init__(self) -> None:
        self.answers: dict[str, list[ResolveResult]] = {}

    def pin(self, host: str, port: int, addresses: Sequence[Address]) -> None:
        self.answers[host] = [
            ResolveResult(
                hostname=host,
                host=str(a),
                port=port,
                family=socket.AF_INET6 if a.version == 6 else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for a in addresses
        ]

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host not in self.answers:
            raise OSError(f"{host} was not checked")
        return self.answers[host]

    async def close(self) -> None:
        self.answers.clear()


class LinkFetcher:
    """Fetches video links under a `LinkPolicy`.

    `resolver` and `ssl_context` (which certificates to trust) are seams for tests: there is no
    DNS and no public certificate authority there. Certificates are always verified.
    """

    def __init__(
        self,
        policy: LinkPolicy,
        resolver: Resolver | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.policy = policy
        self._resolver = resolver
        self._ssl: ssl.SSLContext | bool = ssl_context if ssl_context is not None else True

    def attachment(self, url: str) -> Attachment:
        """A link someone sent, as an `Attachment` whose `open()` goes through this fetcher.

        With links turned off it still becomes one, so the person hears why nothing happens;
        `public_url` is then withheld, so no backend fetches it either.
        """
        name = PurePosixPath(unquote(urlsplit(url).path)).name or "video.mp4"
        return Attachment(
            name=name,
            size=None,
            mime=None,
            open=lambda: self.open(url),
            public_url=url if self.policy.enabled else None,
        )

    async def check(self, url: str) -> list[Address]:
        """The checked addresses of `url`'s host; raises `LinkRefused` when any is refused."""
        host, port = _target(url)
        addresses = await self._addresses(url, host, port)
        for address in addresses:
            if why := refusal(address, self.policy.allowed):
                raise LinkRefused(f"{shown(url)}: {why}")
        return addresses

    async def admits(self, url: str) -> bool:
        """True when `url` passes `check` (for handing it to a service that fetches it)."""
        try:
            await self.check(url)
        except LinkRefused as refused:
            log.info("not handing a link over: %s", refused.detail)
            return False
        return True

    @asynccontextmanager
    async def open(self, url: str) -> AsyncIterator[ByteStream]:
        """Stream the video behind `url` in chunks, or raise `LinkRefused` (see the module)."""
        if not self.policy.enabled:
            raise AccessDenied("err_links_off", "links are turned off (LINKS_ENABLED=false)")
        try:
            async with self._open(url) as chunks:
                yield chunks
        except LinkRefused as refused:
            # The person reads one sentence for every refusal; the operator reads why here.
            log.warning("link refused: %s", refused.detail)
            raise

    @asynccontextmanager
    async def _open(self, url: str) -> AsyncIterator[ByteStream]:
        deadline = asyncio.get_running_loop().time() + self.policy.timeout
        pinned = _Pinned()
        connector = aiohttp.TCPConnector(
            resolver=pinned, use_dns_cache=False, force_close=True, ssl=self._ssl
        )
        async with aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            timeout=aiohttp.ClientTimeout(total=None),
            headers={"User-Agent": "clipbridge", "Accept-Encoding": "identity"},
        ) as session:
            response, final = await self._answer(session, pinned, url, deadline)
            try:
                self._check_answer(response, final)
                yield _chunks(response, shown(final), deadline, self.policy)
            finally:
                response.release()

    async def _addresses(self, url: str, host: str, port: int) -> list[Address]:
        try:
            return [ip_address(host)]
        except ValueError:
            pass
        resolve = self._resolver or system_resolve
        try:
            answers = await resolve(host, port)
        except OSError as exc:
            raise LinkRefused(f"{shown(url)}: does not resolve ({type(exc).__name__})") from None
        addresses = [ip_address(a.split("%", 1)[0]) for a in answers]
        if not addresses:
            raise LinkRefused(f"{shown(url)}: resolves to nothing")
        return addresses

    async def _answer(
        self, session: aiohttp.ClientSession, pinned: _Pinned, url: str, deadline: float
    ) -> tuple[aiohttp.ClientResponse, str]:
        """The response that is not a redirect, every hop checked; within the time budget."""
        try:
            async with asyncio.timeout_at(deadline):
                for _ in range(self.policy.max_redirects + 1):
                    response = await self._hop(session, pinned, url)
                    location = response.headers.get("Location")
                    if response.status not in _REDIRECTS or not location:
                        return response, url
                    response.release()
                    url = urljoin(url, location)
        except TimeoutError:
            raise LinkRefused(f"{shown(url)}: no answer within {self.policy.timeout:g}s") from None
        raise LinkRefused(f"{shown(url)}: more than {self.policy.max_redirects} redirects")

    async def _hop(
        self, session: aiohttp.ClientSession, pinned: _Pinned, url: str
    ) -> aiohttp.ClientResponse:
        addresses = await self.check(url)
        host, port = _target(url)
        pinned.pin(host, port, addresses)
        try:
            return await session.get(url, allow_redirects=False)
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            # aiohttp's messages name the URL: only the type goes on.
            raise LinkRefused(f"{shown(url)}: {type(exc).__name__}") from None

    def _check_answer(self, response: aiohttp.ClientResponse, url: str) -> None:
        if response.status != 200:
            raise LinkRefused(f"{shown(url)}: answered HTTP {response.status}")
        ctype = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype.startswith(_NOT_VIDEO_TYPES):
            raise LinkRefused(f"{shown(url)}: is {ctype}, not a video")
        length = response.content_length
        if length is not None and length > self.policy.max_size:
            raise LinkRefused(
                f"{shown(url)}: Content-Length {length} over the {self.policy.max_size} cap"
            )


def _target(url: str) -> tuple[str, int]:
    """The host and port aiohttp will connect to for `url` (its own parse, IDNA applied)."""
    try:
        parsed = yarl.URL(url)
        host, port = parsed.raw_host, parsed.port
    except (ValueError, TypeError):
        raise LinkRefused(f"{shown(url)}: unreadable link") from None
    if parsed.scheme not in ("http", "https") or not host or port is None:
        raise LinkRefused(f"{shown(url)}: not an http(s) link with a host")
    if parsed.user is not None or parsed.password is not None:
        raise LinkRefused(f"{shown(url)}: carries a user name or password")
    return host, port


async def _chunks(
    response: aiohttp.ClientResponse, where: str, deadline: float, policy: LinkPolicy
) -> ByteStream:
    received = 0
    stream = response.content.iter_chunked(CHUNK)
    while True:
        try:
            async with asyncio.timeout_at(deadline):
                chunk = await anext(stream, b"")
        except TimeoutError:
            raise LinkRefused(
                f"{where}: not downloaded within {policy.timeout:g}s ({received} bytes)"
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise LinkRefused(f"{where}: download broke: {type(exc).__name__}") from None
        if not chunk:
            return
        received += len(chunk)
        if received > policy.max_size:
            raise LinkRefused(f"{where}: over the {policy.max_size} byte cap")
        yield chunk
