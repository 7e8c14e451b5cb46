"""Reading: files, feeds, pages and tables become one uniform article table.

Load, decode, extract, clean, detect the language and parse the date.
"""
