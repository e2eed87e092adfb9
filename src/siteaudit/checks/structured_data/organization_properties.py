"""`organization-properties`: Organization markup names the organisation fully."""

from siteaudit.checks.base import CheckContext, Docs, Result, check
from siteaudit.checks.structured_data._required import missing_properties
from siteaudit.model import Category, Page, Severity

TYPES = frozenset(
    {"Organization", "Corporation", "NGO", "EducationalOrganization", "OnlineStore",
     "GovernmentOrganization", "NewsMediaOrganization", "SportsOrganization"}
)  # fmt: skip


@check(
    id="organization-properties",
    category=Category.STRUCTURED_DATA,
    severity=Severity.LOW,
    title="Organization markup is complete",
    failure_title="Organization markup lacks name, url or logo",
    docs=Docs(
        what="For each top-level Organization item (and common subtypes), requires name, "
        "url and logo.",
        why="Google uses Organization markup for the knowledge panel and the logo shown in "
        "results; without name, url and logo it has little to show.",
        fix="Add the missing properties to the Organization item, with logo an absolute URL "
        "of an image at least 112x112 pixels.",
        references=(
            "https://developers.google.com/search/docs/appearance/structured-data/organization",
        ),
    ),
)
def organization_properties(page: Page, ctx: CheckContext) -> Result:
    """One failure per Organization item missing name, url or logo."""
    return missing_properties(page, TYPES, ("name", "url", "logo"))
