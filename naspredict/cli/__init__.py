"""The ``naspredict`` command line."""

from naspredict.cli._main import main

__all__ = ["main"]
