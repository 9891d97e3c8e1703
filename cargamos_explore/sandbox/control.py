"""The ``/_sandbox/*`` knobs: statistics, token revocation and fault settings.

They sit outside ``/v1`` so that they can never be mistaken for the API; they are not part of
the contract, and the OpenAPI document leaves them out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, Response

from .. import contract as c
from .wire import Failure, envelope, json_body

if TYPE_CHECKING:
    from .server import Sandbox


def install_control_routes(app: Flask, sandbox: Sandbox) -> None:
    @app.get(c.SANDBOX_STATS_PATH)
    def stats() -> Response:
        return envelope(sandbox.accounts.stats())

    @app.post(c.SANDBOX_STATS_PATH + "/reset")
    def reset() -> Response:
        sandbox.accounts.reset_stats()
        return envelope(sandbox.accounts.stats())

    @app.post(c.SANDBOX_REVOKE_PATH)
    def revoke() -> Response:
        body = json_body()
        username = body.get("username") if isinstance(body, dict) else None
        if not isinstance(username, str):
            raise Failure(400, c.CODE_MALFORMED_REQUEST, 'the body must be {"username": "..."}')
        return envelope({"revoked": sandbox.accounts.revoke(username)})

    @app.post(c.SANDBOX_FAULTS_PATH)
    def faults() -> Response:
        body = json_body()
        if not isinstance(body, dict):
            raise Failure(400, c.CODE_MALFORMED_REQUEST,
                          'the body must be an object, e.g. {"unavailable": 0.1}')
        try:
            sandbox.set_faults(**body)
        except ValueError as err:
            raise Failure(400, c.CODE_INVALID_FIELD, str(err)) from err
        return envelope(sandbox.faults.faults.as_dict())
