"""`llms-txt`: the site publishes /llms.txt."""

from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site


@site_check(
    id="llms-txt",
    category=Category.AI_READINESS,
    severity=Severity.LOW,
    title="Site publishes llms.txt",
    failure_title="Site has no llms.txt",
    whole_site=True,
    docs=Docs(
        what="Fails when /llms.txt at the site root did not answer 200 with content.",
        why="llms.txt is a proposed convention (llmstxt.org) giving language models a short "
        "markdown map of the site's most useful pages; assistants and coding tools "
        "increasingly look for it. It is young and optional, hence the low severity.",
        fix="Publish /llms.txt: an H1 with the site name, a one-line summary in a "
        "blockquote, and sections listing key pages as markdown links.",
        references=("https://llmstxt.org/",),
    ),
)
def llms_txt(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure for the site when llms.txt is missing or empty."""
    facts = site.facts
    if facts.llms_status == 200 and (facts.llms_txt or "").strip():
        return
    answer = f"HTTP {facts.llms_status}" if facts.llms_status else "no answer"
    yield failed(
        f"/llms.txt is not available ({answer}).",
        evidence=f"/llms.txt: {answer}",
        url=site.start_url,
    )
