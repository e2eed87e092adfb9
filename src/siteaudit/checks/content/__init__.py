"""Content checks: how much text a page has, how readable and how original it is."""
