"""Selection: which pages get the expensive lenses.

Every page gets every lens for now (`all`); `top_n` by importance arrives with the browser
lenses, which are the only expensive ones.
"""

from __future__ import annotations

from collections.abc import Sequence


def select(urls: Sequence[str], *, top_n: int | None = None) -> list[str]:
    """The URLs to audit with every lens: all of them, or the first `top_n` in crawl order."""
    chosen = list(urls)
    return chosen if top_n is None else chosen[:top_n]
