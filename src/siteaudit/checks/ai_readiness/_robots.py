"""Reading robots.txt rules for named AI crawlers (with protego, as the crawler does)."""

import re
from urllib.parse import urljoin

from protego import Protego

from siteaudit.model.site import Site

# Crawlers that collect training data, and crawlers that fetch pages to answer users.
TRAINING_BOTS = (
    "GPTBot", "Google-Extended", "CCBot", "ClaudeBot", "anthropic-ai", "Applebot-Extended",
    "Bytespider", "meta-externalagent",
)  # fmt: skip
SEARCH_BOTS = ("OAI-SearchBot", "ChatGPT-User", "PerplexityBot", "Claude-SearchBot", "Claude-User")
_USER_AGENT = re.compile(r"^\s*user-agent\s*:\s*([^#\s]+)", re.IGNORECASE | re.MULTILINE)


def named_agents(robots_txt: str) -> set[str]:
    """The user-agent tokens robots.txt names, lower-cased."""
    return {name.lower() for name in _USER_AGENT.findall(robots_txt)}


def blocked(site: Site, bots: tuple[str, ...]) -> dict[str, bool]:
    """For each bot: True when robots.txt forbids it the start URL's home page."""
    rules = Protego.parse(site.facts.robots_txt or "")
    home = urljoin(site.start_url, "/")
    return {bot: not rules.can_fetch(home, bot) for bot in bots}


def has_robots(site: Site) -> bool:
    """True when robots.txt was served (a 2xx answer with a body)."""
    status = site.facts.robots_status
    return site.facts.robots_txt is not None and status is not None and 200 <= status < 300
