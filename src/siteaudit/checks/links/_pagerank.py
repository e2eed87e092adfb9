"""Internal PageRank by power iteration over the crawl's followed links.

Scores are scaled so that their mean is 1 (a page with the "average share" of the site's
link value scores 1.0). Pages without outlinks spread their rank evenly over all pages, the
usual treatment of dangling nodes. Each iteration costs O(pages + links).

Edges are held as integer arrays (8 bytes an edge), deduplicated by sorting their packed
form, so a 100,000-page site with two million links fits in tens of megabytes.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable

DAMPING = 0.85
MAX_ITERATIONS = 50
TOLERANCE = 1e-6


def pagerank(nodes: list[str], edges: Iterable[tuple[str, str]]) -> dict[str, float]:
    """The PageRank of each node, mean 1, over the distinct directed `edges` between
    `nodes` (repeated edges count once; self-links and edges to other URLs are ignored)."""
    count = len(nodes)
    if count == 0:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    packed = array("Q")  # target << 32 | source: sorting groups each target's inlinks
    for source_url, target_url in edges:
        source, target = index.get(source_url), index.get(target_url)
        if source is not None and target is not None and source != target:
            packed.append(target << 32 | source)
    sources = array("I")  # the distinct sources of each target, target by target
    starts = array("I", [0]) * (count + 1)  # target t's sources: sources[starts[t]:starts[t+1]]
    out_degree = [0] * count
    previous = -1
    for pair in sorted(packed):
        if pair != previous:
            source = pair & 0xFFFFFFFF
            sources.append(source)
            starts[(pair >> 32) + 1] += 1
            out_degree[source] += 1
            previous = pair
    del packed
    for t in range(count):
        starts[t + 1] += starts[t]
    rank = [1.0 / count] * count
    for _ in range(MAX_ITERATIONS):
        dangling = sum(r for r, d in zip(rank, out_degree, strict=True) if d == 0)
        base = (1.0 - DAMPING) / count + DAMPING * dangling / count
        share = [DAMPING * r / d if d else 0.0 for r, d in zip(rank, out_degree, strict=True)]
        pick = share.__getitem__
        new = [base + sum(map(pick, sources[starts[t] : starts[t + 1]])) for t in range(count)]
        delta = sum(abs(a - b) for a, b in zip(new, rank, strict=True))
        rank = new
        if delta < TOLERANCE:
            break
    return {node: rank[i] * count for node, i in index.items()}
