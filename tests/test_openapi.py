"""The sandbox against its own OpenAPI document, fuzzed by Schemathesis (a tool we did not write).

Every response must be documented (status, headers, body schema), no input may produce a 5xx,
invalid input must be refused and valid input accepted, and the stateful phase follows the
link from a created order to its shipment. Hypothesis runs derandomized with a fixed seed,
requests go one at a time, and the sandbox's fault knobs stay off.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import hypothesis
import orjson
import pytest
import requests
import schemathesis

from cargamos_explore import contract as c
from cargamos_explore.sandbox import Faults, Sandbox, serve
from cargamos_explore.sandbox.openapi import spec

from .conftest import ANCHOR, JOHN, JOHN_PASSWORD, TIENDA, basic

#: Examples per operation and phase; keeps the whole fuzz run well under a minute on 2 cores.
MAX_EXAMPLES = 40
SEED = 20261101
CONFIG = schemathesis.Config.from_dict({
    "seed": SEED,
    "generation": {"deterministic": True, "max-examples": MAX_EXAMPLES},
    # The login is the one Basic-authenticated call (DOC).
    "auth": {"openapi": {"basicAuth": {"username": JOHN, "password": JOHN_PASSWORD}}},
})
SETTINGS = hypothesis.settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None,
                               database=None, suppress_health_check=list(hypothesis.HealthCheck))
#: Schemathesis builds some cases while collecting, before any fixture has logged in; the
#: provider marks them with this stand-in and ``with_token`` swaps in the fixture's token.
STAND_IN = "token-of-the-bearer-fixture"
#: What the run saw, printed by the last test of the module.
SEEN: Counter[str] = Counter()

# Loaded from the same builder the sandbox serves (``test_document_is_served`` checks that).
schema = schemathesis.openapi.from_dict(spec(), config=CONFIG)


@schema.auth(refresh_interval=None, retry_on=[]).apply_to(
    path=[c.SHIPMENTS_PATH, c.SHIPMENT_PATH.replace("tracking_id", "trackingId"),
          c.ORDERS_PATH, c.WEBHOOK_PATH])
class BearerToken:
    """The fixture's token on every Bearer-authenticated operation."""

    def get(self, case: schemathesis.Case, ctx: schemathesis.AuthContext) -> str:
        return STAND_IN

    def set(self, case: schemathesis.Case, data: str, ctx: schemathesis.AuthContext) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture(scope="module")
def fuzzed_url() -> Iterator[str]:
    sandbox = Sandbox(size=300, seed=3, anchor=ANCHOR, faults=Faults())
    with serve(sandbox) as url:
        yield url
    # The knobs were never turned: every answer above came from the API itself.
    assert sandbox.faults.faults == Faults() and sandbox.stats()["faults"] == 0


@pytest.fixture(scope="module")
def bearer(fuzzed_url: str) -> str:
    """One real login to the fuzzed sandbox with the demo credentials."""
    answer = requests.get(fuzzed_url + c.LOGIN_PATH, params={c.KEY_PARAM: TIENDA.key},
                          timeout=5, headers={"Authorization": basic(JOHN, JOHN_PASSWORD)})
    return str(answer.json()["data"][c.TOKEN_FIELD])


def with_token(case: schemathesis.Case, token: str) -> schemathesis.Case:
    if (case.headers or {}).get("Authorization") == f"Bearer {STAND_IN}":
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
    return case


@schema.parametrize()
@SETTINGS
def test_every_operation_keeps_to_the_document(
    case: schemathesis.Case, fuzzed_url: str, bearer: str
) -> None:
    response = with_token(case, bearer).call_and_validate(base_url=fuzzed_url)
    SEEN["cases"] += 1
    SEEN[f"{case.method} {case.path} {response.status_code}"] += 1


def test_stateful_order_to_shipment(fuzzed_url: str, bearer: str) -> None:
    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: schemathesis.Case) -> None:
            with_token(case, bearer)

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"base_url": fuzzed_url}

        def after_call(self, response: Any, case: schemathesis.Case) -> None:
            SEEN["stateful steps"] += 1
            SEEN[f"stateful {case.method} {case.path} {response.status_code}"] += 1

    Machine.run(settings=hypothesis.settings(SETTINGS, stateful_step_count=6))
    # The link from an accepted order to its shipment was followed, and resolved.
    assert SEEN["stateful GET /v1/shipments/{trackingId} 200"] > 0


def test_document_is_built_from_the_contract() -> None:
    document = spec()
    assert set(document["paths"]) == {
        c.LOGIN_PATH, c.PASSWORD_RECOVERY_PATH, c.SHIPMENTS_PATH, c.ORDERS_PATH,
        c.WEBHOOK_PATH, c.SHIPMENT_PATH.replace("tracking_id", "trackingId")}
    listing = document["paths"][c.SHIPMENTS_PATH]["get"]["parameters"]
    limit = next(p for p in listing if p["name"] == c.LIMIT_PARAM)
    assert limit["schema"]["maximum"] == c.MAX_LIMIT
    orders = document["paths"][c.ORDERS_PATH]["post"]
    assert "GetShipmentOfOrder" in orders["responses"]["200"]["links"]


def test_document_is_served(url: str) -> None:
    served = requests.get(url + c.OPENAPI_PATH, timeout=5).json()
    assert served["openapi"].startswith("3.1")
    assert served == orjson.loads(orjson.dumps(spec()))


def test_fuzz_run_summary() -> None:
    """Prints what the fuzz tests above saw (run with -s): cases and statuses per operation."""
    print(sorted(SEEN.items()))
