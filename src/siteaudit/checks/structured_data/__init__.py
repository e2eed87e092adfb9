"""Structured data and social checks: JSON-LD, microdata, RDFa, Open Graph, Twitter cards."""
