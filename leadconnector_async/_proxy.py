"""Proxies from the environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``), for clients
created with ``trust_env=True``.

aiohttp's own ``trust_env`` also reads ``~/.netrc`` and, for a host listed there, refuses a
request that carries its own ``Authorization`` header; this reads the proxy variables only.
"""

from __future__ import annotations

import urllib.request

from yarl import URL


class EnvironmentProxies:
    """The proxy for each request URL, from the environment read when this is created."""

    __slots__ = ("_by_origin", "_proxies")

    def __init__(self) -> None:
        self._proxies = urllib.request.getproxies()
        self._by_origin: dict[tuple[str, str | None], URL | None] = {}

    def for_url(self, url: URL) -> URL | None:
        """The proxy to send ``url`` through, or ``None`` to go direct (``NO_PROXY``)."""
        origin = (url.scheme, url.host)
        if origin not in self._by_origin:
            proxy = self._proxies.get(url.scheme)
            if proxy and url.host and urllib.request.proxy_bypass(url.host):
                proxy = None
            self._by_origin[origin] = URL(proxy) if proxy else None
        return self._by_origin[origin]
