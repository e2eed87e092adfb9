"""Internal PageRank by power iteration over the crawl's followed links.

Scores are scaled so that their mean is 1 (a page with the "average share" of the site's
link value scores 1.0). Pages without outlinks spread their rank evenly over all pages, the
usual treatment of dangling nodes. Each iteration costs O(pages + links).
"""

from __future__ import annotations

DAMPING = 0.85
MAX_ITERATIONS = 50
TOLERANCE = 1e-6


def pagerank(nodes: list[str], edges: set[tuple[str, str]]) -> dict[str, float]:
    """The PageRank of each node, mean 1, for distinct directed `edges` between `nodes`."""
    count = len(nodes)
    if count == 0:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    out_degree = [0] * count
    pairs: list[tuple[int, int]] = []
    for source_url, target_url in edges:
        if source_url in index and target_url in index and source_url != target_url:
            pairs.append((index[source_url], index[target_url]))
            out_degree[index[source_url]] += 1
    rank = [1.0 / count] * count
    for _ in range(MAX_ITERATIONS):
        dangling = sum(rank[i] for i in range(count) if out_degree[i] == 0)
        base = (1.0 - DAMPING) / count + DAMPING * dangling / count
        new = [base] * count
        for source, target in pairs:
            new[target] += DAMPING * rank[source] / out_degree[source]
        delta = sum(abs(a - b) for a, b in zip(new, rank, strict=True))
        rank = new
        if delta < TOLERANCE:
            break
    return {node: rank[i] * count for node, i in index.items()}
