"""`robots-ai-search`: AI search and answer crawlers may fetch the site."""

from collections.abc import Iterator

from siteaudit.checks.ai_readiness._robots import SEARCH_BOTS, blocked, has_robots
from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="robots-ai-search",
    category=Category.AI_READINESS,
    severity=Severity.MEDIUM,
    title="AI search crawlers may fetch the site",
    failure_title="robots.txt blocks AI search crawlers",
    whole_site=True,
    docs=Docs(
        what="Evaluates robots.txt (with protego, the crawler's parser) for the home page as "
        "seen by AI search and user-triggered fetchers: OAI-SearchBot, ChatGPT-User, "
        "PerplexityBot, Claude-SearchBot and Claude-User. One failure per blocked bot, "
        "whether by a named group or by a catch-all `User-agent: *` Disallow.",
        why="Unlike training crawlers, these fetch pages to cite them in answers; blocking "
        "them removes the site from AI search results and links. Sites often block them by "
        "accident while meaning to block training.",
        fix="Allow these user agents (a group with `Allow: /`), and block training crawlers "
        "separately if that is the intent.",
        references=(
            "https://platform.openai.com/docs/bots",
            "https://docs.perplexity.ai/guides/bots",
        ),
    ),
)
def robots_ai_search(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure per AI search crawler that robots.txt blocks from the home page."""
    if not has_robots(site):
        return
    for bot, is_blocked in blocked(site, SEARCH_BOTS).items():
        if is_blocked:
            yield failed(
                f"robots.txt blocks {bot} from the site.",
                evidence=f"{bot}: disallowed for /",
                locator=bot,
                url=site.start_url,
            )
