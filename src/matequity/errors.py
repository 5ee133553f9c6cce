"""User-facing errors: one line, no traceback.

Anything raised as :class:`UserError` is printed by the CLI as a single line and
exits non-zero. Messages name the file, row or column and what was expected, and
never contain record-level values.
"""


class UserError(Exception):
    """A problem with the user's input or request (not a bug in matequity)."""


class InputFileError(UserError):
    """An input file that cannot be used at all (the whole load is refused)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
