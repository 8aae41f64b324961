"""Exceptions that the HTTP layer turns into answers."""


class ApiError(Exception):
    """An API answer other than success: carries the HTTP status and the JSON body."""

    def __init__(self, status, body):
        super().__init__(status, body)
        self.status = status
        self.body = body


class ControlError(ValueError):
    """Bad input to a control endpoint (/_sim/...); answered with 400 and the message."""
