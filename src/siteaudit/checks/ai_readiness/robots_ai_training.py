"""`robots-ai-training`: robots.txt states a policy for AI training crawlers."""

from collections.abc import Iterator

from siteaudit.checks.ai_readiness._robots import TRAINING_BOTS, blocked, has_robots, named_agents
from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="robots-ai-training",
    category=Category.AI_READINESS,
    severity=Severity.INFO,
    title="robots.txt states a policy for AI training crawlers",
    failure_title="robots.txt says nothing about AI training crawlers",
    whole_site=True,
    docs=Docs(
        what="Looks in robots.txt for a group naming at least one AI training crawler "
        "(GPTBot, Google-Extended, CCBot, ClaudeBot, anthropic-ai, Applebot-Extended, "
        "Bytespider, meta-externalagent) and fails when none is named (or there is no "
        "robots.txt). Whether they are allowed or blocked is the owner's choice: the "
        "finding lists what the wildcard rules imply for each bot.",
        why="Without a deliberate rule, the site's content is used for model training by "
        "default (or blocked by accident through a catch-all Disallow). A decision written "
        "down is what an audit should find.",
        fix="Add a User-agent group for the training crawlers with Allow: / or Disallow: / "
        "as you decide.",
        references=(
            "https://platform.openai.com/docs/bots",
            "https://developers.google.com/search/docs/crawling-indexing/overview-google-crawlers",
        ),
    ),
)
def robots_ai_training(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure for the site when no AI training crawler is named."""
    names = named_agents(site.facts.robots_txt or "") if has_robots(site) else set()
    if names & {bot.lower() for bot in TRAINING_BOTS}:
        return
    verdicts = blocked(site, TRAINING_BOTS) if has_robots(site) else {}
    implied = ", ".join(f"{bot} {'blocked' if no else 'allowed'}" for bot, no in verdicts.items())
    yield failed(
        "robots.txt has no rule for any AI training crawler.",
        evidence=implied or f"no robots.txt (HTTP {site.facts.robots_status})",
        url=site.start_url,
    )
