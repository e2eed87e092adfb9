"""Link checks: internal links and where they lead."""
