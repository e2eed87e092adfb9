"""A bound on what one page's nesting may cost the HTML parser.

The HTML standard's tree builder looks down the stack of open elements for most start and
end tags ("has an element in scope", "any other end tag"), so a page that keeps N elements
open costs in the order of N² steps. Lexbor follows the standard and has no depth limit:
100,000 nested `<div>`s (1.1 MB) took 25 s to parse, a 10 MB page of them would take hours,
and native code is not interrupted by the page time limit (it holds a worker process until
the watchdog kills it, or the scan's own thread when pages are processed there). Browsers
stop nesting at 512 levels (Chromium) for the same reason.

`too_deep` estimates those steps before parsing, by walking the tags with a stack as the
tree builder would (an end tag closes the nearest open element of its name and everything
above it; a stray one closes nothing; void elements and those whose end tags are implied
never count), and answers as soon as they pass `NESTING_BUDGET`. Pages with fewer than
`NESTING_CHECK_TAGS` tags are not walked: their worst case is a tenth of a second.
"""

from __future__ import annotations

import re

NESTING_CHECK_TAGS = 10_000
# Open elements summed over the tags: about half a second of Lexbor (20,000 nested divs).
NESTING_BUDGET = 200_000_000

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
# Void elements never open; the others close themselves or are closed by their siblings
# (a list of 10,000 <li> without </li> is flat), and the tree builder never nests the last
# ones in themselves (an <a> closes the open one, a <form> inside a form is ignored), so
# none of them deepens the stack (measured: 20,000 of each unclosed parse in milliseconds).
_VOID = "area base basefont bgsound br col embed frame hr img input keygen link meta param"
_IMPLIED_END = "p li dt dd option optgroup tr td th tbody thead tfoot rb rt rp rtc caption"
_SELF_EXCLUSIVE = "a form button nobr select h1 h2 h3 h4 h5 h6"
_NOT_NESTING = frozenset(
    f"{_VOID} source track wbr {_IMPLIED_END} colgroup html head body {_SELF_EXCLUSIVE}".split()
)


def too_deep(text: str) -> bool:
    """True when parsing `text` would cost the tree builder more than `NESTING_BUDGET`."""
    if text.count("<") < NESTING_CHECK_TAGS:
        return False
    stack: list[str] = []
    open_names: dict[str, int] = {}
    steps = 0
    for match in _TAG.finditer(text):
        closing, name = match.groups()
        name = name.lower()
        if name in _NOT_NESTING:
            continue
        if not closing:
            stack.append(name)
            open_names[name] = open_names.get(name, 0) + 1
        elif open_names.get(name):
            while (top := stack.pop()) != name:
                open_names[top] -= 1
            open_names[name] -= 1
        steps += len(stack)
        if steps > NESTING_BUDGET:
            return True
    return False
