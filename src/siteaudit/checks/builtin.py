"""`BUILTIN`: every built-in check, in catalogue order (grouped by category)."""

from siteaudit.checks.base import Check
from siteaudit.checks.on_page.title import title

BUILTIN: tuple[Check, ...] = (title,)
