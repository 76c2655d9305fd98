"""Domain exceptions every app raises; the API answers them without a view catching them."""


class ConflictError(Exception):
    """The action is not allowed in the object's current state (the API answers 409)."""


class InvalidTransition(ConflictError):
    """A status change that the object's transitions table does not allow."""


class TooLargeError(Exception):
    """The submitted content is over a configured size limit (the API answers 413)."""
