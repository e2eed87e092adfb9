"""Image checks: alternative text and, later, sizes and formats."""
