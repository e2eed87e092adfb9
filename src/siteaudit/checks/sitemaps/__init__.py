"""Sitemaps and robots.txt: the files that tell crawlers what to fetch and what to leave."""
