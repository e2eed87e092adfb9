"""A finding: one failing instance of a check on one URL, with evidence."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from siteaudit.model.spec import Category, Severity


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

    @property
    def fingerprint(self) -> str:
        """Stable across scans: check id + URL + locator."""
        return make_fingerprint(self.check_id, self.url, self.locator)
