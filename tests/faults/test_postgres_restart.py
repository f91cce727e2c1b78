"""PostgreSQL restarted while towns' machines report usage through the API.

Every report the API acknowledged (201) is stored exactly once; the others got a 503
with Retry-After (never a 500, never a dropped connection), and sending them again with
the same Idempotency-Key stores each exactly once.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import requests

from identity.bootstrap import create_town_service_account

from ..sso.flows import client_credentials_token

pytestmark = [pytest.mark.fault, pytest.mark.keycloak]


def report(port: int, host: str, token: str, key: str, occurred_at: str) -> requests.Response:
    return requests.post(
        f"http://127.0.0.1:{port}/api/v1/usage/", timeout=30,
        headers={"Host": host, "Authorization": f"Bearer {token}", "Idempotency-Key": key},
        json={"service": "chatbot", "unit": "answered_question", "quantity": "1", "occurred_at": occurred_at},
    )


def test_usage_reports_across_a_database_restart_are_stored_once_or_refused_with_503(stack, keycloak,
                                                                                    keycloak_admin):
    town = stack.call("town", ags="09996001", name="Zählheim", chatbot=True)
    client_id, secret = create_town_service_account(keycloak_admin, f"town-{town['slug']}-api", town["slug"])
    try:
        token = client_credentials_token(keycloak.url, client_id, secret)
        web, port = stack.web()
        occurred_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        assert report(port, town["host"], token, "warm-up", occurred_at).status_code == 201

        answers: dict[str, requests.Response] = {}
        stop = threading.Event()

        def reporter(name: str) -> None:
            number = 0
            while not stop.is_set():
                key = f"{name}-{number}"
                answers[key] = report(port, town["host"], token, key, occurred_at)
                number += 1

        threads = [threading.Thread(target=reporter, args=(f"machine{n}",)) for n in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(3)
        stack.postgres.stop()
        time.sleep(3)
        stack.postgres.start()
        time.sleep(4)
        stop.set()
        for thread in threads:
            thread.join(60)

        statuses = {key: response.status_code for key, response in answers.items()}
        assert set(statuses.values()) <= {201, 503}, "\n".join(
            line for line in web.tail(20000).splitlines() if " 201" not in line and " 503" not in line)[-6000:]
        refused = [key for key, status in statuses.items() if status == 503]
        acknowledged = [key for key, status in statuses.items() if status == 201]
        assert refused, "the restart was not noticed: no request was refused"
        assert len(acknowledged) > len(threads), "hardly any report went through before and after the restart"
        for key in refused:
            assert answers[key].headers["Retry-After"].isdigit()
            assert answers[key].json()["code"] == "temporarily_unavailable"

        counts = stack.call("usage_counts", town_pk=town["pk"], keys=list(statuses))
        assert {counts[key] for key in acknowledged} == {1}
        assert all(counts[key] <= 1 for key in refused)
        # The machines retry what was refused, with the same key: each report is stored once.
        for key in refused:
            assert report(port, town["host"], token, key, occurred_at).status_code in (200, 201)
        assert set(stack.call("usage_counts", town_pk=town["pk"], keys=list(statuses)).values()) == {1}
    finally:
        keycloak_admin.delete_client(keycloak_admin.get_client_id(client_id))
