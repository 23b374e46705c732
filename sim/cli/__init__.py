"""The command line, ``python -m sim`` (``main``; one module per group of commands)."""
