"""Performance read from the HTML and headers alone (no browser): weight, blocking, caching."""
