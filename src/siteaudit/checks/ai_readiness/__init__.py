"""AI-readiness checks: llms.txt, AI crawler rules, opt-out directives, extractable text."""
