"""Turn located elements into failures."""

from collections.abc import Sequence

from siteaudit.checks.base import Failed, Result, failed, passed
from siteaudit.model.page import Element


def element_failures(elements: Sequence[Element], message: str) -> Result:
    """One failure per locator: `message` with the element's locator, snippet as evidence.

    Two elements can share a locator (two empty links to the same href); they are one
    finding, as their fingerprints (check, URL, locator) would be equal anyway.
    """
    failures: dict[str, Failed] = {}
    for e in elements:
        if e.locator not in failures:
            failures[e.locator] = failed(
                message.format(locator=e.locator), evidence=e.snippet, locator=e.locator
            )
    return list(failures.values()) or passed()
