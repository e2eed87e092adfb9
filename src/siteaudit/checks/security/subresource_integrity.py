"""`subresource-integrity`: scripts from other origins are pinned with an integrity hash."""

from urllib.parse import urljoin, urlsplit

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, not_applicable
from siteaudit.model import Category, Page, Severity


@check(
    id="subresource-integrity",
    category=Category.SECURITY,
    severity=Severity.LOW,
    title="Third-party scripts use subresource integrity",
    failure_title="Script from another origin has no integrity attribute",
    docs=Docs(
        what="Reports every <script src> loaded from another origin (scheme, host and port "
        "differ from the page's) without an integrity attribute. Stylesheets are not "
        "checked, as in the MDN HTTP Observatory's test.",
        why="Whoever controls the other origin (a CDN, or an attacker who compromised it) "
        "can change the script and run code in your page. An integrity hash makes the "
        "browser refuse a file that changed. The Observatory deducts 5 points (50 when "
        "the script is loaded over http).",
        fix='Add integrity="sha384-..." and crossorigin="anonymous" to scripts served '
        "from CDNs at fixed versions; self-host scripts that change without notice (or "
        "accept the risk for vendors such as tag managers that cannot be pinned).",
        references=(
            "https://developer.mozilla.org/docs/Web/Security/Subresource_Integrity",
            "https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring",
        ),
    ),
)
def subresource_integrity(page: Page, ctx: CheckContext) -> Result:
    """One failure per cross-origin script without integrity; N/A without such scripts."""
    own = _origin(page.final_url)
    foreign = []
    for script in page.scripts:
        if script.src is None:
            continue
        try:
            url = urljoin(page.final_url, script.src)
            cross_origin = url.startswith(("http://", "https://")) and _origin(url) != own
        except ValueError:  # "http://[::1", port 99999: no browser loads it from anywhere
            continue
        if cross_origin:
            foreign.append((url, script.integrity))
    if not foreign:
        return not_applicable()
    return [
        failed(
            f"The script {url} comes from another origin without an integrity hash.",
            evidence=f'<script src="{url}">',
            locator=url,
        )
        for url, integrity in foreign
        if not (integrity or "").strip()
    ]


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default
