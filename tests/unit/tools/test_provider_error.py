"""tools.backends.ProviderError: a provider's echoed credential never reaches the message."""

from __future__ import annotations

from tools.backends import ProviderError


def test_a_token_echoed_by_a_provider_is_redacted_in_the_error_and_its_repr() -> None:
    error = ProviderError("gmail", "Invalid Credentials for Bearer ya29.a0AfH6SMBx-secret-token")

    assert "ya29.a0AfH6SMBx" not in str(error)
    assert "ya29.a0AfH6SMBx" not in repr(error)
    assert "ya29.a0AfH6SMBx" not in error.reason
    assert error.reason.startswith("Invalid Credentials for Bearer")
