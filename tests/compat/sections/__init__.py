"""Dashboard checkers for check.py, one module per dashboard (see check.py)."""
