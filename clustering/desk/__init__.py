"""The editor's desk: a local web page over a story store (``samestory serve``).

Needs the ``desk`` extra (Starlette and uvicorn): ``pip install 'samestory[desk]'``.
"""
