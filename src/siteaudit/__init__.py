"""siteaudit: crawl a site, audit every page, score it and report what to fix."""

__version__ = "0.1.0"

__all__ = ["__version__"]
