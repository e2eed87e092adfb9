"""International checks: hreflang annotations and language declarations."""
