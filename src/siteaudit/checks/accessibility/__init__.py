"""Accessibility checks readable from the HTML alone (no browser): names, ids, landmarks."""
