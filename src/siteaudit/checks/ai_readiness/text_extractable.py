"""`text-extractable`: the page's content is in the HTML, not only rendered by JavaScript."""

from siteaudit.checks.base import (
    CheckContext,
    Docs,
    Option,
    Result,
    check,
    failed,
    not_applicable,
    passed,
)
from siteaudit.model import Category, Page, Severity
from siteaudit.model.page import CONTENT


@check(
    id="text-extractable",
    category=Category.AI_READINESS,
    severity=Severity.HIGH,
    title="Content is extractable without JavaScript",
    failure_title="Content seems to be rendered by JavaScript only",
    docs=Docs(
        what="Fails when the HTML has scripts but its main text holds fewer than `min_bytes` "
        "bytes and its content has no links (outside navigation, header, footer and asides): "
        "the page is most likely an empty shell filled in by JavaScript. A short page whose "
        "content is a list of links (a table of contents, an index) passes.",
        why="Most AI crawlers (GPTBot, ClaudeBot, PerplexityBot) and many tools do not run "
        "JavaScript; they see the HTML only. An app shell gives them nothing to index, "
        "quote or summarise. Google renders, but later and not always.",
        fix="Render the content on the server (SSR, static generation or pre-rendering) so "
        "it is in the HTML response.",
        references=(
            "https://developers.google.com/search/docs/crawling-indexing/javascript/javascript-seo-basics",
            "https://vercel.com/blog/the-rise-of-the-ai-crawler",
        ),
    ),
    options={"min_bytes": Option(250, "Fewest bytes of main text a scripted page may have.")},
)
def text_extractable(page: Page, ctx: CheckContext) -> Result:
    """Fails when a page with scripts has less than `min_bytes` of main text and no links in
    its content."""
    if page.status != 200 or not page.scripts:
        return not_applicable()
    minimum = ctx.int_option("min_bytes")
    if page.main_text_bytes >= minimum or any(link.position == CONTENT for link in page.links):
        return passed()
    return failed(
        f"The HTML holds {page.main_text_bytes} bytes of main text, no links in its content "
        f"and {len(page.scripts)} script(s): the content is probably rendered by JavaScript.",
        evidence=f"{page.main_text_bytes} bytes of text, {page.dom_nodes} elements, "
        f"{len(page.scripts)} scripts",
    )
