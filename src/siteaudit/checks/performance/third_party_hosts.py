"""`third-party-hosts`: the page depends on few third-party script hosts."""

from urllib.parse import urlsplit

from siteaudit.checks.base import CheckContext, Docs, Option, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="third-party-hosts",
    category=Category.PERFORMANCE,
    severity=Severity.LOW,
    title="Page loads scripts from few third-party hosts",
    failure_title="Page loads scripts from many third-party hosts",
    docs=Docs(
        what="Counts the distinct hosts, other than the page's own host and its "
        "subdomains, that serve the page's external scripts, and compares them with "
        "`max_hosts`, default 5.",
        why="Each third-party host costs a DNS lookup and a connection, and its scripts "
        "compete with yours for the main thread; tag sprawl is the most common cause of "
        "slow, janky pages (Lighthouse's third-party-summary audit), and each vendor is "
        "also a privacy and security dependency.",
        fix="Audit the tags: remove unused ones, load the rest through one tag manager "
        "with defer/async, or self-host the libraries.",
        references=(
            "https://developer.chrome.com/docs/lighthouse/performance/third-party-summary",
            "https://web.dev/articles/optimizing-content-efficiency-loading-third-party-javascript",
        ),
    ),
    options={"max_hosts": Option(5, "Most third-party script hosts that pass.")},
)
def third_party_hosts(page: Page, ctx: CheckContext) -> Result:
    """Fails when scripts come from more than `max_hosts` third-party hosts."""
    own = (urlsplit(page.final_url).hostname or "").lower().removeprefix("www.")
    hosts = {host for script in page.scripts if script.src and (host := _host(script.src))}
    third = sorted(h for h in hosts if h != own and not h.endswith("." + own))
    limit = ctx.int_option("max_hosts")
    if len(third) > limit:
        return failed(
            f"Scripts come from {len(third)} third-party hosts (more than {limit}).",
            evidence=", ".join(third),
        )
    return passed()


def _host(url: str) -> str:
    """The lower-case host of `url`; "" for a URL no browser could load ("http://[::1")."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
