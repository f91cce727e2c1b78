"""Redis restarted under the web server, a worker and beat.

While Redis is down pages and APIs keep answering (the cache fails open; the citizens'
rate limit fails open, a stated decision in docs/operators.md); afterwards the worker
and beat reconnect by themselves and the periodic jobs run again.
"""

from __future__ import annotations

import datetime as dt
import sys
import time

import pytest
import requests

from ..waiting import wait_for

pytestmark = [pytest.mark.fault, pytest.mark.worker]


def test_pages_and_apis_answer_while_redis_restarts_and_beat_resumes(stack):
    town = stack.call("chatbot_town", ags="09995001", name="Cachedorf")
    session = stack.call("operator_session")
    _web, port = stack.web()
    stack.worker("redis-worker")
    stack.process("beat", [sys.executable, "-m", "celery", "-A", "kiverbund", "beat", "--loglevel", "INFO",
                           "--schedule", str(stack.base / "celerybeat-schedule")],
                  TOWN_STATS_INTERVAL_SECONDS="2")
    base = f"http://127.0.0.1:{port}"
    console = {"Host": "kiverbund.localhost", "Cookie": f"sessionid={session}"}
    at_town = {"Host": town["host"]}

    def answers() -> dict[str, int]:
        asked = requests.post(f"{base}/api/v1/chatbot/ask", headers=at_town, timeout=60,
                              json={"question": "Wann hat das Bürgerbüro geöffnet?"})
        return {
            "chatbot ask": asked.status_code,
            "KI-Register (JSON)": requests.get(f"{base}/ki-register.json", headers=at_town, timeout=30).status_code,
            "KI-Register (page)": requests.get(f"{base}/ki-register/", headers=at_town, timeout=30).status_code,
            "console town list": requests.get(f"{base}/", headers=console, timeout=30).status_code,
            "town page, anonymous": requests.get(f"{base}/", headers=at_town, allow_redirects=False,
                                                 timeout=30).status_code,
        }

    expected = {"chatbot ask": 200, "KI-Register (JSON)": 200, "KI-Register (page)": 200,
                "console town list": 200, "town page, anonymous": 200}
    assert answers() == expected
    assert wait_for(lambda: stack.call("town_stats", pk=town["pk"]), 120, interval=2), "beat never ran the job"

    stack.redis.stop()
    try:
        for _ in range(3):
            assert answers() == expected
            time.sleep(0.5)
    finally:
        stack.redis.start()
    restarted = dt.datetime.now(dt.UTC)
    assert answers() == expected
    # Beat sends the periodic job again and the worker runs it: the town's figures are refreshed.
    assert wait_for(lambda: dt.datetime.fromisoformat(stack.call("town_stats", pk=town["pk"])) > restarted,
                    120, interval=2), next(p for p in stack.processes if p.name == "beat").tail()
