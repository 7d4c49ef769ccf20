"""Articles by link (TRANSLATOR_FETCH_URLS=1): a URL checked, fetched hop by hop, and its article extracted.

Every hop of a redirect is checked as the first URL is: http or https, a host and no user name or password;
the host resolved, and refused when any of its addresses is not public (private, loopback, link-local,
shared, multicast, reserved, unspecified; an IPv4 address inside IPv6 is read as IPv4) unless
TRANSLATOR_FETCH_ALLOW_PRIVATE=1 or its host:port is in TRANSLATOR_FETCH_PRIVATE_HOSTS. The connection goes
to the address that was checked, not to the name (a second DNS answer cannot send it elsewhere: DNS
rebinding), with TLS verified for the name. At most MAX_REDIRECTS redirects, the whole fetch within
TRANSLATOR_FETCH_TIMEOUT_S, and the body read in a stream, stopped past TRANSLATOR_FETCH_MAX_BYTES
(decompressed). The article's title, date and text come from trafilatura, as for the archive's HTML inputs.

urllib3 (already installed for trafilatura) because it connects to a given address while verifying TLS for
a given name (`server_hostname`, `assert_hostname`); it blocks, so a fetch runs in a worker thread: one of
at most TRANSLATOR_FETCH_CONCURRENCY of its own (past them a fetch is refused, 503 with Retry-After, at
once), never one of the threads that translation needs.
"""

from __future__ import annotations

import codecs
import ipaddress
import math
import re
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import anyio
import urllib3
from urllib3.exceptions import HTTPError, SSLError, TimeoutError

from api.errors import ApiError
from translator.errors import InputError
from translator.readers.html import extract
from translator.settings import Settings

MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PAGES = frozenset({"text/html", "application/xhtml+xml"})
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_USER_AGENT = "translator-article-fetch/1 (Indonesian to English reader)"
_CHUNK = 65536


@dataclass(frozen=True)
class Article:
    url: str  # after redirects
    title: str
    date: str
    text: str


@dataclass(frozen=True)
class Hop:
    """One URL to fetch, checked: where to send the request (`target`) and the address to connect to."""

    url: str
    scheme: str
    host: str
    port: int
    target: str  # path and query
    address: str


class Fetcher:
    """Fetches articles with `settings`, at most TRANSLATOR_FETCH_CONCURRENCY at once, each in a thread of its
    own (a capacity limiter apart from the one translation's threads share)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # a fetch takes a place at once or is refused; to_thread acquires its limiter only after a checkpoint,
        # where fetches that came together would all pass a check of it and then wait in line
        self.places = anyio.CapacityLimiter(settings.fetch_concurrency)
        self.threads = anyio.CapacityLimiter(settings.fetch_concurrency)  # never waited on: one per place

    async def read(self, url: str) -> Article:
        """The article at `url`, or an ApiError saying which rule refused it or what went wrong (never a 5xx)."""
        settings = self.settings
        if not settings.fetch_urls:
            message = "reading articles by link is off (TRANSLATOR_FETCH_URLS=1 turns it on)"
            raise ApiError(403, "fetch_disabled", message)
        limit = settings.fetch_timeout_s
        try:
            self.places.acquire_nowait()
        except anyio.WouldBlock:
            message = f"{settings.fetch_concurrency} links are being read already (TRANSLATOR_FETCH_CONCURRENCY)"
            retry = str(math.ceil(limit))
            raise ApiError(503, "fetch_busy", f"{message}; retry in {retry} s", {"Retry-After": retry}) from None
        try:
            with anyio.move_on_after(limit + 1):  # a resolver that hangs past the fetch's own deadline
                return await anyio.to_thread.run_sync(
                    fetch, url, settings, abandon_on_cancel=True, limiter=self.threads
                )
            raise _failed(f"the link took longer than {limit:g} s (TRANSLATOR_FETCH_TIMEOUT_S)")
        finally:
            self.places.release()


def fetch(url: str, settings: Settings) -> Article:
    """The blocking fetch: each hop checked, then connected to; the page's article extracted."""
    deadline = time.monotonic() + settings.fetch_timeout_s
    for _ in range(MAX_REDIRECTS + 1):
        hop = check(url, settings)
        with _pool(hop, deadline) as pool:
            response = _get(pool, hop, settings)
            if response.status in _REDIRECTS:
                location = response.headers.get("Location")
                if not location:
                    raise _failed(f"{hop.host} answered {response.status} without a Location")
                try:
                    url = urljoin(hop.url, location.strip())
                except ValueError as exc:
                    raise _failed(f"{hop.host} redirected to a link that cannot be read: {exc}") from exc
                continue
            data = _body(hop, response, settings, deadline)
        try:
            document = extract(hop.url, data.decode(_charset(response.headers.get("Content-Type", "")), "replace"))
        except InputError as exc:
            raise _failed(f"{hop.url}: {exc}") from exc
        return Article(hop.url, document.meta["title"], document.meta["date"], document.text)
    raise _failed(f"more than {MAX_REDIRECTS} redirects")


def check(url: str, settings: Settings) -> Hop:
    """`url` as a hop that may be fetched, with the address to connect to; an ApiError naming the rule."""
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise ApiError(400, "url_invalid", f"only http and https links can be read, not {scheme or 'this'!r}")
        host, port = parts.hostname, parts.port or (443 if scheme == "https" else 80)
        if host:
            host = host.encode("idna").decode("ascii")
    except ValueError as exc:  # a bad port, an unclosed [, a label IDNA cannot hold
        raise ApiError(400, "url_invalid", f"not a link that can be read: {exc}") from exc
    if not host:
        raise ApiError(400, "url_invalid", "the link has no host")
    if parts.username is not None or parts.password is not None:
        raise ApiError(400, "url_invalid", "a link with a user name or password is not read")
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as exc:  # UnicodeError is a ValueError
        raise _failed(f"cannot resolve {host}: {getattr(exc, 'strerror', None) or exc}") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not addresses:
        raise _failed(f"cannot resolve {host}")
    if not settings.fetch_allow_private and not {host, f"{host}:{port}"} & settings.fetch_private_host_set():
        for address in addresses:
            if problem := not_public(address):
                raise ApiError(
                    403,
                    "url_forbidden",
                    f"{host} is {address}, a {problem} address: not fetched (TRANSLATOR_FETCH_ALLOW_PRIVATE, "
                    "TRANSLATOR_FETCH_PRIVATE_HOSTS)",
                )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Hop(f"{scheme}://{parts.netloc}{target}", scheme, host, port, target, addresses[0])


def not_public(address: str) -> str:
    """What kind of non-public address `address` is ("loopback", "private", ...), or "" for a public one."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        ip = ip.ipv4_mapped or ip.sixtofour or ip
    for kind in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return "" if ip.is_global else "non-global"


def _pool(hop: Hop, deadline: float) -> urllib3.HTTPConnectionPool:
    """A connection to the checked address (not the name), TLS verified for the name; closed on exit."""
    left = max(0.1, deadline - time.monotonic())
    timeout = urllib3.Timeout(connect=left, read=left)
    if hop.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            hop.address, hop.port, timeout=timeout, retries=False, server_hostname=hop.host, assert_hostname=hop.host
        )
    return urllib3.HTTPConnectionPool(hop.address, hop.port, timeout=timeout, retries=False)


def _get(pool: urllib3.HTTPConnectionPool, hop: Hop, settings: Settings) -> urllib3.BaseHTTPResponse:
    default = hop.port == (443 if hop.scheme == "https" else 80)
    headers = {
        "Host": hop.host if default else f"{hop.host}:{hop.port}",
        "User-Agent": _USER_AGENT,
        "Accept": "text/html,application/xhtml+xml;q=0.9",
        "Accept-Encoding": "gzip, deflate",
    }
    try:
        return pool.urlopen("GET", hop.target, headers=headers, redirect=False, preload_content=False, retries=False)
    except TimeoutError as exc:
        raise _failed(f"{hop.host} took longer than {settings.fetch_timeout_s:g} s") from exc
    except SSLError as exc:
        raise _failed(f"{hop.host}: TLS failed: {exc}") from exc
    except HTTPError as exc:
        raise _failed(f"could not connect to {hop.host}: {exc}") from exc


def _body(hop: Hop, response: urllib3.BaseHTTPResponse, settings: Settings, deadline: float) -> bytes:
    if response.status >= 400:
        raise _failed(f"{hop.host} answered {response.status}")
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if kind and kind not in _PAGES:
        raise _failed(f"{hop.url} is not an HTML page ({kind})")
    limit = settings.fetch_max_bytes
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(hop, limit)
    chunks, size = [], 0
    try:
        while chunk := response.read1(_CHUNK, decode_content=True):  # what has come, not a full chunk
            size += len(chunk)
            if size > limit:
                raise _too_large(hop, limit)
            if time.monotonic() > deadline:
                raise _failed(f"{hop.host} took longer than {settings.fetch_timeout_s:g} s")
            chunks.append(chunk)
    except TimeoutError as exc:
        raise _failed(f"{hop.host} took longer than {settings.fetch_timeout_s:g} s") from exc
    except HTTPError as exc:
        raise _failed(f"{hop.host}: the page could not be read: {exc}") from exc
    return b"".join(chunks)


def _charset(content_type: str) -> str:
    """The codec the Content-Type names, else UTF-8 (with or without a BOM); bytes it cannot decode become
    U+FFFD."""
    m = _CHARSET.search(content_type)
    try:
        name = codecs.lookup(m.group(1)).name if m else "utf-8"
    except LookupError:
        name = "utf-8"
    return "utf-8-sig" if name == "utf-8" else name


def _failed(message: str) -> ApiError:
    return ApiError(422, "fetch_failed", message)


def _too_large(hop: Hop, limit: int) -> ApiError:
    message = f"{hop.url} is over the limit of {limit} bytes (TRANSLATOR_FETCH_MAX_BYTES)"
    return ApiError(413, "too_large", message, limit="fetch_max_bytes")
