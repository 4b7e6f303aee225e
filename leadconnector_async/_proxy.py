"""Proxies from the environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``), for clients
created with ``trust_env=True``.

aiohttp's own ``trust_env`` also reads ``~/.netrc`` and, for a host listed there, refuses a
request that carries its own ``Authorization`` header; this reads the proxy variables only.
"""

from __future__ import annotations

import urllib.request

from yarl import URL

from .errors import ConfigurationError


class EnvironmentProxies:
    """The proxy for each request URL, from the environment read when this is created.

    Raises:
        ConfigurationError: The ``http`` or ``https`` proxy variable is not an http(s) URL
            with a host.
    """

    __slots__ = ("_by_origin", "_proxies")

    def __init__(self) -> None:
        found = urllib.request.getproxies()
        self._proxies = {
            scheme: _proxy_url(scheme, found[scheme])
            for scheme in ("http", "https")
            if found.get(scheme)
        }
        self._by_origin: dict[tuple[str, str | None], URL | None] = {}

    def for_url(self, url: URL) -> URL | None:
        """The proxy to send ``url`` through, or ``None`` to go direct (``NO_PROXY``)."""
        origin = (url.scheme, url.host)
        if origin not in self._by_origin:
            proxy = self._proxies.get(url.scheme)
            if proxy is not None and url.host and urllib.request.proxy_bypass(url.host):
                proxy = None
            self._by_origin[origin] = proxy
        return self._by_origin[origin]


def _proxy_url(scheme: str, proxy: str) -> URL:
    """``proxy`` as a URL (``http://`` when it names none, as curl reads ``proxy:3128``); the
    error never quotes it, as aiohttp's and yarl's would (a proxy URL may hold a password)."""
    if "://" not in proxy:
        proxy = f"http://{proxy}"
    try:
        parsed: URL | None = URL(proxy)
    except ValueError:
        parsed = None  # refused below: yarl's error chains one quoting part of the URL
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigurationError(
            f"the {scheme}_proxy environment variable is not an http(s) proxy URL with a host, "
            "such as http://proxy:3128 (its value is not shown: it may hold a password, "
            "whose special characters must be percent-encoded)"
        )
    return parsed
