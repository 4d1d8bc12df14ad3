"""Delegate's error hierarchy; the CLI and the API map these to messages and status codes."""


class DelegateError(Exception):
    """Base of every error Delegate reports to a person as a clear one-line message."""

    #: HTTP status the API answers with for this error.
    status_code = 400


class NotFound(DelegateError):
    """A task, organization or other record does not exist (or belongs to another org)."""

    status_code = 404


class IllegalTransition(DelegateError):
    """A lifecycle move that the transition table does not allow; nothing was changed."""

    status_code = 409

    def __init__(self, task_id: str, current: str, target: str) -> None:
        self.task_id = task_id
        self.current = current
        self.target = target
        super().__init__(f"task {task_id} is {current}; it cannot move to {target}")


class InvalidInput(DelegateError, ValueError):
    """Input that fails validation: an empty title, an unknown execution type, bad JSON.

    Also a ValueError, so the LangGraph server reports its message instead of hiding it."""

    status_code = 422


class Conflict(DelegateError):
    """The request is valid but the task's state forbids it (e.g. executing a finished task)."""

    status_code = 409


class DatabaseUnavailable(DelegateError):
    """The database URL cannot be reached or opened."""

    status_code = 503


class PolicyDenied(DelegateError):
    """The policy gate refused a side effect; the reason names the rule."""

    status_code = 403

    def __init__(self, rule: str, reason: str) -> None:
        self.rule = rule
        self.reason = reason
        super().__init__(f"{rule}: {reason}")


class Unauthorized(DelegateError):
    """No API key or an unknown one."""

    status_code = 401


class ConfigurationError(DelegateError):
    """A configured backend or model is missing a setting; the message names the variable."""

    status_code = 500
