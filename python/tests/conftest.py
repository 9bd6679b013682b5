"""Fails fast, with a hint, when refundkit is not installed (or the source tree shadows the installed wheel)."""

try:
    import refundkit  # noqa: F401
except ImportError as e:  # pragma: no cover - setup problem, not a test failure
    raise ImportError(
        "cannot import the built refundkit package ({}): install it first with `pip install ./python` and run pytest "
        "from a directory that does not contain python/refundkit (e.g. `python -m pytest python/tests` from the "
        "repository root, or `bash python/test.sh`)".format(e)
    ) from e
