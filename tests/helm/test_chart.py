"""The Helm chart: lint, render for every CI values file, validate against the Kubernetes schemas (offline,
kubernetes-validate), and the promises the chart makes (one beat, hooks, nobody runs as root, secrets only
by reference, bad values refused with a clear message)."""

from __future__ import annotations

import json

import pytest

from .chart import CHART, CI_VALUES, by_kind, helm, named, pod_spec, render, template_args, workloads

KUBERNETES_VERSION = "1.31.0"
# Custom resources the Kubernetes schemas do not know; checked by the assertions below instead.
CUSTOM_KINDS = {"ServiceMonitor"}
MINIMAL = CHART / "ci" / "minimal-values.yaml"
PRODUCTION = CHART / "ci" / "production-values.yaml"


@pytest.fixture(scope="module", params=CI_VALUES, ids=lambda p: p.name.removesuffix("-values.yaml"))
def rendered(request):
    return request.param, render([request.param])


def test_every_ci_values_file_is_in_the_matrix():
    assert {p.name for p in CI_VALUES} >= {"minimal-values.yaml", "production-values.yaml",
                                             "external-secrets-values.yaml", "no-autoscaling-values.yaml"}


@pytest.mark.parametrize("values", CI_VALUES, ids=lambda p: p.name)
def test_lint(values):
    result = helm("lint", str(CHART), "--strict", "--values", str(values), "--kube-version", KUBERNETES_VERSION)
    assert "0 chart(s) failed" in result.stdout, result.stdout


def test_manifests_validate_against_the_kubernetes_schemas(rendered):
    import kubernetes_validate

    _values, manifests = rendered
    validated = 0
    for manifest in manifests:
        if manifest["kind"] in CUSTOM_KINDS:
            continue
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
        validated += 1
    assert validated >= 8


def test_no_container_runs_as_root_or_with_privileges(rendered):
    _values, manifests = rendered
    assert workloads(manifests)
    for workload in workloads(manifests):
        spec = pod_spec(workload)
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] > 0
        assert spec["automountServiceAccountToken"] is False
        for container in spec["containers"] + spec.get("initContainers", []):
            context = container["securityContext"]
            where = f"{workload['metadata']['name']}/{container['name']}"
            assert context["runAsNonRoot"] is True, where
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["capabilities"]["drop"] == ["ALL"], where
            assert not context.get("privileged"), where
            assert container["resources"]["requests"] and container["resources"]["limits"]["memory"], where
            # A read-only root: only /tmp (memory) and the data volumes are writable.
            mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
            writable = {"/tmp", "/var/lib/kiverbund/media", "/var/lib/kiverbund/exports"}
            if workload["metadata"]["name"].endswith("-keycloak-email-theme"):
                writable.add("/providers")  # Keycloak's providers volume, which the job writes the theme JAR into
            assert "/tmp" in mounts and mounts <= writable


def test_beat_is_a_singleton(rendered):
    _values, manifests = rendered
    beats = [m for m in by_kind(manifests, "Deployment")
             if m["metadata"]["labels"]["app.kubernetes.io/component"] == "beat"]
    assert len(beats) == 1
    beat = beats[0]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    command = pod_spec(beat)["containers"][0]["command"]
    assert command[:4] == ["celery", "--app", "kiverbund", "beat"]
    assert "kiverbund.beat:LockedScheduler" in command
    # Nothing scales beat: no HPA targets it, and no worker command runs an embedded beat.
    targets = {hpa["spec"]["scaleTargetRef"]["name"] for hpa in by_kind(manifests, "HorizontalPodAutoscaler")}
    assert beat["metadata"]["name"] not in targets
    for deployment in by_kind(manifests, "Deployment"):
        command = pod_spec(deployment)["containers"][0]["command"]
        assert "--beat" not in command and "-B" not in command


def test_beat_replicas_cannot_be_set():
    result = helm(*template_args([MINIMAL], ["beat.replicas=2"]), check=False)
    assert result.returncode != 0
    assert "replicas" in result.stderr and "beat" in result.stderr


def test_migrations_run_as_a_pre_install_and_pre_upgrade_hook(rendered):
    _values, manifests = rendered
    job = named(manifests, "Job", "-migrations")
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation"
    command = " ".join(pod_spec(job)["containers"][0]["command"])
    assert "manage.py migrate" in command and "manage.py sync_catalogue" in command
    assert pod_spec(job)["restartPolicy"] == "Never"
    # Its service account exists before it (hooks run before the release's own objects).
    account = named(manifests, "ServiceAccount", "-migrations")
    assert account["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert int(account["metadata"]["annotations"]["helm.sh/hook-weight"]) < int(annotations["helm.sh/hook-weight"])
    assert pod_spec(job)["serviceAccountName"] == account["metadata"]["name"]
    # Only hooks carry hook annotations: the long-running workloads are ordinary release objects.
    for deployment in by_kind(manifests, "Deployment"):
        assert "helm.sh/hook" not in deployment["metadata"].get("annotations", {})


def test_realm_bootstrap_is_an_optional_post_hook():
    assert not [j for j in by_kind(render([MINIMAL]), "Job") if j["metadata"]["name"].endswith("realm-bootstrap")]
    job = named(render([PRODUCTION]), "Job", "-realm-bootstrap")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "post-install,post-upgrade"
    assert pod_spec(job)["containers"][0]["command"] == ["python", "manage.py", "bootstrap_realm"]


def test_secrets_are_only_referenced(rendered):
    _values, manifests = rendered
    assert not by_kind(manifests, "Secret")
    for workload in workloads(manifests):
        env = {item["name"]: item for item in pod_spec(workload)["containers"][0]["env"]}
        for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "KEYCLOAK_ADMIN_PASSWORD"):
            assert "value" not in env[name] and env[name]["valueFrom"]["secretKeyRef"]["name"]


def test_web_probes_and_ingress():
    manifests = render([MINIMAL])
    web = pod_spec(named(manifests, "Deployment", "-web"))["containers"][0]
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["command"][0] == "gunicorn"
    ingress = named(manifests, "Ingress", "kv-kiverbund")
    hosts = [rule["host"] for rule in ingress["spec"]["rules"]]
    assert hosts == ["kiverbund.landkreis-musterland.de", "*.kiverbund.landkreis-musterland.de"]
    assert ingress["spec"]["tls"][0]["hosts"] == hosts
    env = {item["name"]: item.get("value") for item in web["env"]}
    assert env["SECURE_PROXY_SSL_HEADER"] == "true" and env["SECURE_SSL_REDIRECT"] == "true"
    assert env["LOG_FORMAT"] == "json"


def test_trusted_proxies_reach_every_process_and_the_settings_accept_them():
    from core.client_address import parse_networks

    assert all("TRUSTED_PROXIES" not in {e["name"] for e in pod_spec(w)["containers"][0]["env"]}
               for w in workloads(render([MINIMAL])))
    manifests = render([MINIMAL], ["platform.trustedProxies={10.42.0.0/16,192.0.2.7,fd00:42::/64}"])
    for workload in workloads(manifests):
        env = {e["name"]: e.get("value") for e in pod_spec(workload)["containers"][0]["env"]}
        assert env["TRUSTED_PROXIES"] == "10.42.0.0/16,192.0.2.7,fd00:42::/64", workload["metadata"]["name"]
    assert [str(n) for n in parse_networks(env["TRUSTED_PROXIES"].split(","))] == [
        "10.42.0.0/16", "192.0.2.7/32", "fd00:42::/64"]


def test_worker_groups_consume_their_queues():
    manifests = render([PRODUCTION])
    groups = {d["metadata"]["name"]: pod_spec(d)["containers"][0]["command"]
              for d in by_kind(manifests, "Deployment") if "-worker-" in d["metadata"]["name"]}
    assert set(groups) == {"kv-kiverbund-worker-default", "kv-kiverbund-worker-bulk"}
    bulk = groups["kv-kiverbund-worker-bulk"]
    assert bulk[bulk.index("--queues") + 1] == "kiverbund-bulk"
    hpas = {h["spec"]["scaleTargetRef"]["name"] for h in by_kind(manifests, "HorizontalPodAutoscaler")}
    assert hpas == {"kv-kiverbund-web", "kv-kiverbund-worker-default"}
    web_env = {e["name"]: e.get("value") for e in pod_spec(named(manifests, "Deployment", "-web"))["containers"][0]["env"]}
    assert web_env["METRICS_CELERY_QUEUES"] == "kiverbund,kiverbund-bulk"


def test_autoscaling_off_fixes_replicas():
    manifests = render([CHART / "ci" / "no-autoscaling-values.yaml"])
    assert not by_kind(manifests, "HorizontalPodAutoscaler") and not by_kind(manifests, "PodDisruptionBudget")
    assert named(manifests, "Deployment", "-web")["spec"]["replicas"] == 2
    assert not by_kind(manifests, "NetworkPolicy") and not by_kind(manifests, "Ingress")


def test_network_policies_let_only_the_ingress_reach_web():
    manifests = render([PRODUCTION])
    web = named(manifests, "NetworkPolicy", "-web")
    assert web["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "web"
    others = named(manifests, "NetworkPolicy", "-no-ingress")
    assert others["spec"]["policyTypes"] == ["Ingress"] and "ingress" not in others["spec"]
    egress = named(manifests, "NetworkPolicy", "-egress")
    assert egress["spec"]["egress"][0]["ports"][0]["port"] == 53


@pytest.mark.parametrize(("sets", "message"), [
    (["platform.domain="], "platform.domain is required"),
    (["platform.domain=https://Example.org"], "domain"),
    (["secrets.database.name="], "secrets.database.name is required"),
    (["keycloak.url=login.example.org"], "keycloak"),
    (["podSecurityContext.runAsUser=0"], "runAsUser"),
    (["securityContext.readOnlyRootFilesystem=false"], "readOnlyRootFilesystem"),
    (["web.replicas=two"], "replicas"),
    (["web.autoscaling.minReplicas=5", "web.autoscaling.maxReplicas=2"], "minReplicas must not be greater"),
    (["workers[0].concurrency=0"], "concurrency"),
    (["web.resources.limits=null"], "missing property 'limits'"),
    (["image.digest=latest"], "digest"),
    (["platform.logFormat=xml"], "logFormat"),
    (["ingress.tlsSecretName="], "ingress.tlsSecretName is required"),
    (["webb.replicas=2"], "webb"),
    (["platform.trustedProxies={10.0.0.300/8}"], "trustedProxies"),
    (["platform.trustedProxies={ingress-nginx}"], "trustedProxies"),
    (["celery.heartbeat.seconds=60", "celery.heartbeat.maxAgeSeconds=90"], "at least three times"),
])
def test_bad_values_fail_with_a_clear_message(sets, message):
    result = helm(*template_args([MINIMAL], sets), check=False)
    assert result.returncode != 0, result.stdout[:500]
    assert message in result.stderr, result.stderr


def test_schema_is_valid_json_schema():
    import jsonschema

    schema = json.loads((CHART / "values.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["additionalProperties"] is False


def test_the_keycloak_email_theme_job_writes_the_theme_jar_into_keycloaks_providers_volume():
    assert not [j for j in by_kind(render([MINIMAL]), "Job") if j["metadata"]["name"].endswith("-email-theme")]
    manifests = render([PRODUCTION])
    job = named(manifests, "Job", "-keycloak-email-theme")
    annotations = job["metadata"]["annotations"]
    bootstrap = named(manifests, "Job", "-realm-bootstrap")
    # Written before the realm bootstrap selects the theme.
    assert annotations["helm.sh/hook"] == "post-install,post-upgrade"
    assert int(annotations["helm.sh/hook-weight"]) < int(bootstrap["metadata"]["annotations"]["helm.sh/hook-weight"])
    spec = pod_spec(job)
    container = spec["containers"][0]
    assert container["command"] == ["python", "manage.py", "keycloak_theme_jar", "--output",
                                    "/providers/kiverbund-theme.jar"]
    mount = next(m for m in container["volumeMounts"] if m["mountPath"] == "/providers")
    volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
    assert volume["persistentVolumeClaim"]["claimName"] == "keycloak-providers"
    assert container["securityContext"]["runAsNonRoot"] is True or spec["securityContext"]["runAsNonRoot"] is True
    # Every process knows the theme's name, so the realm bootstrap selects it.
    for workload in [bootstrap, *workloads(manifests)]:
        env = {item["name"]: item.get("value") for item in pod_spec(workload)["containers"][0]["env"]}
        assert env["KEYCLOAK_EMAIL_THEME"] == "kiverbund"
    assert "KEYCLOAK_EMAIL_THEME" not in {item["name"] for item in
                                          pod_spec(named(render([MINIMAL]), "Deployment", "-web"))["containers"][0]["env"]}
    # Without the volume the chart refuses with a message naming the value.
    refused = helm(*template_args([PRODUCTION], ["keycloak.emailTheme.providersClaim="]), check=False)
    assert refused.returncode and "keycloak.emailTheme.providersClaim is required" in refused.stderr
    bad = helm(*template_args([PRODUCTION], ["keycloak.emailTheme.jarName=t.zip"]), check=False)
    assert bad.returncode and "jarName" in bad.stderr
