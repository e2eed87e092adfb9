"""Image checks: alternative text, sources, dimensions, formats and responsive variants."""
