"""HTTP and redirect checks: status codes, failed fetches and redirect chains."""
