"""Security checks: the response headers that protect a page's visitors."""
