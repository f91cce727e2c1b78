"""The development stack's Keycloak starts the same whatever the calling process has in its environment."""

import sys

from devtools.stack import keycloak


def test_keycloak_never_inherits_the_debug_switch(monkeypatch):
    # kc.sh opens a Java debugger on a fixed port when DEBUG is "true" (the stack sets it for Django), so a
    # second Keycloak on the machine (two test runs, a demo beside the tests) failed to start.
    monkeypatch.setenv("DEBUG", "true")
    monkeypatch.setenv("DEBUG_PORT", "8787")
    monkeypatch.setenv("KC_DB", "postgres")
    monkeypatch.setenv("KIVERBUND_PROFILE", "test")
    env = keycloak._kc_env(sys.executable)
    assert not {"DEBUG", "DEBUG_PORT", "KC_DB"} & set(env)
    assert env["KIVERBUND_PROFILE"] == "test" and env["JAVA"] == sys.executable
