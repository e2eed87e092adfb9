"""Crawlability and indexability checks: canonical URLs and robots directives."""
