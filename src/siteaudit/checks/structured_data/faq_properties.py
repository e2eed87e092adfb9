"""`faq-properties`: FAQPage markup pairs each question with an accepted answer."""

from siteaudit.checks.base import CheckContext, Docs, Failed, Result, check, not_applicable, passed
from siteaudit.checks.structured_data._required import count, describe, items_of
from siteaudit.model import Category, Page, Severity


@check(
    id="faq-properties",
    category=Category.STRUCTURED_DATA,
    severity=Severity.MEDIUM,
    title="FAQ markup is complete",
    failure_title="FAQ markup lacks questions or answers",
    docs=Docs(
        what="For each top-level FAQPage, requires mainEntity, and for each Question a name "
        "and an acceptedAnswer with text.",
        why="An FAQPage whose questions lack answers is invalid for FAQ rich results and "
        "for the question-answer extraction AI assistants do.",
        fix="Give each Question a name (the question) and an acceptedAnswer Answer with text.",
        references=(
            "https://developers.google.com/search/docs/appearance/structured-data/faqpage",
        ),
    ),
)
def faq_properties(page: Page, ctx: CheckContext) -> Result:
    """One failure per FAQPage with questions missing a name or an answer text."""
    pages = items_of(page, {"FAQPage"})
    if not pages:
        return not_applicable()
    failures: list[Failed] = []
    for item in pages:
        questions = count(item, "mainEntity")
        problems = []
        if questions == 0:
            problems.append("has no mainEntity questions")
        if count(item, "mainEntity.name") < questions:
            problems.append("has questions without a name")
        if count(item, "mainEntity.acceptedAnswer.text") < questions:
            problems.append("has questions without an acceptedAnswer text")
        if problems:
            failures.append(describe(item, " and ".join(problems)))
    return failures or passed()
