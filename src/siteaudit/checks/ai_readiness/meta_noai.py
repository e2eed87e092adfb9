"""`meta-noai`: pages do not opt out of AI use with noai directives (information)."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity

DIRECTIVES = ("noai", "noimageai")


@check(
    id="meta-noai",
    category=Category.AI_READINESS,
    severity=Severity.INFO,
    title="Page does not carry noai directives",
    failure_title="Page opts out of AI use with noai directives",
    docs=Docs(
        what="Reports `noai` and `noimageai` in meta robots or X-Robots-Tag.",
        why="These non-standard directives (introduced by DeviantArt, honoured by a few "
        "crawlers) ask that the content not be used for AI. That may be intended; the "
        "finding makes the choice visible. Major AI crawlers follow robots.txt instead, so "
        "the directive alone does not keep content out of models.",
        fix="Keep it if intended (and add robots.txt rules for the crawlers you mean); "
        "remove it if a plugin added it without a decision.",
        references=(
            "https://www.deviantart.com/team/journal/UPDATE-All-Deviations-Are-Opted-Out-of-AI-Datasets-934500371",
        ),
    ),
)
def meta_noai(page: Page, ctx: CheckContext) -> Result:
    """Fails (as information) when noai or noimageai is present."""
    found = [d for d in DIRECTIVES if d in page.robots_directives]
    if not found:
        return passed()
    return failed(f"The page carries {', '.join(found)}.", evidence=", ".join(found))
