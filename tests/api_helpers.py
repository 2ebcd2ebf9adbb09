"""Tokens for API tests, made by the real create-token command."""

from __future__ import annotations


def token_for(app, username: str) -> str:
    result = app.test_cli_runner().invoke(args=["create-token", username])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
