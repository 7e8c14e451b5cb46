"""The HTML report's page, style and script (package data)."""
