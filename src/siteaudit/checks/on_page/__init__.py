"""On-page SEO checks: titles, descriptions, headings, language, viewport."""
