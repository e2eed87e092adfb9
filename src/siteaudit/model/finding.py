"""A finding: one failing instance of a check on one URL, with evidence."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from siteaudit.model.spec import Category, Severity

# A finding's fields by name, its fingerprint last: the findings table's columns, the JSON
# report's members and the CSV's columns all use these names, in this order.
FINDING_FIELDS = (
    "check_id",
    "category",
    "severity",
    "url",
    "message",
    "evidence",
    "locator",
    "fingerprint",
)


def make_fingerprint(check_id: str, url: str, locator: str = "") -> str:
    """A stable id for (check, URL, locator) so re-scans can say new, fixed or persisting."""
    key = f"{check_id}\x1f{url}\x1f{locator}"
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:20]


@dataclass(frozen=True, slots=True)
class Finding:
    """A check that failed on a URL: what failed, why, and the evidence that shows it."""

    check_id: str
    category: Category
    severity: Severity
    url: str
    message: str
    evidence: str = ""
    locator: str = ""
    # Set on a finding read back from storage: the fingerprint stored with it, so that a
    # report of 100,000 findings does not hash them all again (and shows the stored value).
    stored_fingerprint: str | None = field(default=None, compare=False, repr=False, kw_only=True)

    @property
    def fingerprint(self) -> str:
        """Stable across scans: check id + URL + locator."""
        if self.stored_fingerprint is not None:
            return self.stored_fingerprint
        return make_fingerprint(self.check_id, self.url, self.locator)
