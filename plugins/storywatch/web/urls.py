"""URL helpers: absolute http(s) links, identity normalisation, same-site checks."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that track a click and never select the article.
_TRACKING_PREFIXES = ("utm_", "wt_", "wt.", "mc_", "at_", "pk_")
_TRACKING_NAMES = frozenset({
    "fbclid", "gclid", "dclid", "msclkid", "yclid", "_ga", "cmpid", "ocid", "icid", "smid",
    "wprss", "ref_src", "mbid", "sr_share",
})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_http_url(url: str | None) -> bool:
    """True for an absolute http:// or https:// URL with a host (and a valid port, if any)."""
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 (raises ValueError for a port out of range or not a number)
    except ValueError:
        return False
    return parts.scheme.lower() in _DEFAULT_PORTS and bool(parts.hostname)


def absolute_http_url(link: str | None, base: str | None) -> str | None:
    """`link` made absolute against `base`, without credentials; None unless it is http(s)."""
    if not link or not link.strip():
        return None
    try:
        url = urljoin(base or "", link.strip())
    except ValueError:
        return None
    # A link's user:password@ is never sent, so it is not kept either.
    return without_credentials(url) if is_http_url(url) else None


def normalize_url(url: str) -> str:
    """The URL as an identity: lower-case scheme and host, no default port, fragment or trackers."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and parts.port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not _is_tracking(k)]
    return urlunsplit((scheme, host, parts.path or "/", urlencode(query), ""))


def has_credentials(url: str) -> bool:
    """True when `url` carries a user name or password (`http://user:pass@host/`)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return "@" in parts.netloc


def without_credentials(url: str) -> str:
    """`url` without its `user:password@` part (storywatch never sends URL credentials)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    # The netloc is the first place its text occurs (after "//"): the rest stays byte for byte.
    return url.replace(parts.netloc, parts.netloc.rpartition("@")[2], 1)


def site_of(url: str) -> str:
    """The host without a leading `www.`, for same-site comparisons."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def same_article_url(a: str, b: str) -> bool:
    """True when two URLs differ only in scheme, `www.`, a trailing slash, trackers or fragment."""
    pa, pb = urlsplit(normalize_url(a)), urlsplit(normalize_url(b))
    return (site_of(a) == site_of(b) and pa.path.rstrip("/") == pb.path.rstrip("/")
            and pa.query == pb.query)


def host_of(url: str) -> str:
    """The lower-case host name of `url` ('' when it has none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)
