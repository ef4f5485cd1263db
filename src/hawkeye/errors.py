"""The one base of every error Hawkeye raises on purpose.

A :class:`HawkeyeError` is a problem with the user's input, configuration or
environment, worded for the user: the CLI prints its message and exits with
status 2 instead of a traceback. Anything else reaching the CLI is a bug.
Subclasses keep the builtin base they always had (``ValueError``,
``LookupError``, ...), so callers that catch those still work.
"""

from __future__ import annotations


class HawkeyeError(Exception):
    """A problem the user can fix; its message says what and how."""
