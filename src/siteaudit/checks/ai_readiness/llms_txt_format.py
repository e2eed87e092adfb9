"""`llms-txt-format`: llms.txt follows the llmstxt.org structure."""

import re
from collections.abc import Iterator

from siteaudit.checks.base import CheckContext, Docs, Failed, failed, site_check
from siteaudit.model import Category, Severity
from siteaudit.model.site import Site

_LINK_ITEM = re.compile(r"^\s*[-*]\s*\[[^\]]+\]\([^)\s]+\)", re.MULTILINE)


@site_check(
    id="llms-txt-format",
    category=Category.AI_READINESS,
    severity=Severity.LOW,
    title="llms.txt is well formed",
    failure_title="llms.txt does not follow the llms.txt format",
    whole_site=True,
    docs=Docs(
        what="When /llms.txt exists, requires what llmstxt.org specifies: the first line an "
        "H1 (`# Name`), and at least one markdown list item linking a page "
        "(`- [Title](url)`), normally under `## Section` headings. HTML served as llms.txt "
        "(a soft 404) fails too.",
        why="Tools parse llms.txt as markdown with that structure; a file that does not "
        "follow it is ignored or misread.",
        fix="Start with `# Site name`, add `> summary`, then `## Docs` sections with "
        "`- [Page](https://...): note` lines.",
        references=("https://llmstxt.org/#format",),
    ),
)
def llms_txt_format(site: Site, ctx: CheckContext) -> Iterator[Failed]:
    """One failure listing what the llms.txt lacks."""
    text = (site.facts.llms_txt or "").strip()
    if site.facts.llms_status != 200 or not text:
        return
    first = text.splitlines()[0].strip()
    problems = []
    if first.lower().startswith(("<!doctype", "<html")):
        problems.append("is an HTML page, not markdown")
    elif not re.match(r"^#\s+\S", first):
        problems.append("does not start with an H1 '# Name'")
    if not _LINK_ITEM.search(text):
        problems.append("lists no '- [title](url)' links")
    if problems:
        yield failed(f"llms.txt {' and '.join(problems)}.", evidence=text[:200], url=site.start_url)
