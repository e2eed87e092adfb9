"""`json-ld-invalid`: every JSON-LD block parses."""

from siteaudit.checks.base import CheckContext, Docs, Result, check, failed, passed
from siteaudit.model import Category, Page, Severity


@check(
    id="json-ld-invalid",
    category=Category.STRUCTURED_DATA,
    severity=Severity.HIGH,
    title="JSON-LD blocks are valid JSON",
    failure_title="JSON-LD block is not valid JSON",
    docs=Docs(
        what="Parses every <script type=application/ld+json> block as JSON and reports the "
        "blocks that are empty, do not parse, or hold no JSON object.",
        why="A block that does not parse is ignored whole by search engines: every rich "
        "result it was meant to earn is lost, silently.",
        fix="Fix the JSON (trailing commas, unescaped quotes and comments are the usual "
        "culprits) and validate with the Rich Results Test or validator.schema.org.",
        references=(
            "https://developers.google.com/search/docs/appearance/structured-data/intro-structured-data",
            "https://validator.schema.org/",
        ),
    ),
)
def json_ld_invalid(page: Page, ctx: CheckContext) -> Result:
    """One failure per JSON-LD block that could not be read."""
    errors = [e for e in page.structured_data_errors if e.startswith("json-ld:")]
    failures = [
        failed(f"A JSON-LD block cannot be read: {e.removeprefix('json-ld: ')}.", evidence=e)
        for e in errors
    ]
    return failures or passed()
