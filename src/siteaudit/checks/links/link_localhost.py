"""`link-localhost`: a public page does not link to a developer's machine."""

import ipaddress
from urllib.parse import urlsplit

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable
from siteaudit.model import Category, Page, Severity


@check(
    id="link-localhost",
    category=Category.LINKS,
    severity=Severity.MEDIUM,
    title="Links do not point to local or private addresses",
    failure_title="Page links to localhost or a private address",
    docs=Docs(
        what="On pages served from a public host, reports links whose host is localhost "
        "(or *.localhost), a loopback, private, link-local or unspecified IP address "
        "(127.0.0.0/8, 10/8, 172.16/12, 192.168/16, 169.254/16, ::1, fc00::/7, 0.0.0.0). "
        "Pages themselves served from such an address are not applicable.",
        why="Such links were copied from a development or staging environment: they are "
        "broken for every visitor and reveal internal infrastructure.",
        fix="Replace the link with the public URL, or make it relative.",
        references=(
            "https://www.rfc-editor.org/rfc/rfc6761#section-6.3",
            "https://www.rfc-editor.org/rfc/rfc1918",
        ),
    ),
)
def link_localhost(page: Page, ctx: CheckContext) -> Result:
    """One failure per link to a local or private host; N/A on locally served pages."""
    if _is_local(page.final_url):
        return not_applicable()
    return [
        failed(
            f"The page links to the local address {link.url}.",
            evidence=f'<a href="{link.url}">{link.text}</a>',
            locator=link.url,
        )
        for link in page.links
        if _is_local(link.url)
    ]


def _is_local(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_unspecified
