"""Outputs: tables, JSON/CSV, the HTML report, pair files and 2-D projections of the stories."""
