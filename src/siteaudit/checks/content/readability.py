"""`readability`: English prose is easy enough to read (Flesch reading ease)."""

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

MIN_PROSE_WORDS = 100  # below this the score is too noisy to report


def flesch_reading_ease(page: Page) -> float:
    """206.835 - 1.015 words/sentence - 84.6 syllables/word, over the page's prose."""
    words_per_sentence = page.prose_words / max(1, page.sentences)
    return 206.835 - 1.015 * words_per_sentence - 84.6 * page.syllables / page.prose_words


@check(
    id="readability",
    category=Category.CONTENT,
    severity=Severity.LOW,
    title="Text is readable",
    failure_title="Text is hard to read",
    docs=Docs(
        what="Computes the Flesch reading ease of the page's prose (paragraphs, list items, "
        "headings, table cells of the main content; code is left out) and compares it with "
        "`min_score`. Only English pages (html lang en*) with at least 100 words of prose "
        "are scored; syllables are counted with a vowel-group heuristic.",
        why="Long sentences and long words lose readers. A score under 30 is 'very difficult' "
        "(university graduate level) on Flesch's scale; technical documentation often sits "
        "at 30-50, marketing copy should be 60 or more. Yoast uses the same formula.",
        fix="Split long sentences, prefer short common words, and use lists for sequences.",
        references=(
            "https://en.wikipedia.org/wiki/Flesch%E2%80%93Kincaid_readability_tests",
            "https://yoast.com/flesch-reading-ease-score/",
        ),
    ),
    options={"min_score": Option(30, "Lowest Flesch reading ease score that passes.")},
)
def readability(page: Page, ctx: CheckContext) -> Result:
    """Fails when the Flesch reading ease of English prose is below `min_score`."""
    if not (page.lang or "").lower().startswith("en") or page.prose_words < MIN_PROSE_WORDS:
        return not_applicable()
    score = flesch_reading_ease(page)
    minimum = ctx.int_option("min_score")
    if score < minimum:
        return failed(
            f"The Flesch reading ease is {score:.0f}; below {minimum} is very hard to read.",
            evidence=f"{page.prose_words} words, {page.sentences} sentences, "
            f"{page.syllables} syllables",
        )
    return passed()
