"""deploy/kubernetes, rendered offline (tests/kustomize.py) and validated against the Kubernetes
schemas kubernetes-validate ships, KEDA's objects against their fields; then what must agree with
the bot: probe paths and ports, webhook paths, settings names, the shutdown grace, selectors,
secret keys, and the autoscaler's queries run on the real schema."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import jsonschema
import kubernetes_validate
import pytest
import yaml

from faceitbot.config import ConfigError, load_settings
from faceitbot.intake.webhook import PATH as TELEGRAM_WEBHOOK_PATH
from faceitbot.web.faceit_webhook import PATH as FACEIT_WEBHOOK_PATH
from tests.conftest import ROOT
from tests.kustomize import containers, pod_spec, render

K8S = ROOT / "deploy" / "kubernetes"
BASE, OVERLAY = K8S / "base", K8S / "overlays" / "example"
KUBERNETES_VERSION = "1.30.0"
# bench/replicas.py: a replica's RSS at its busiest (60 analyses at once) was 115 MB.
BUSY_RSS_MIB = 115
# The process exits within this many seconds of SIGTERM (README, Stopping).
EXIT_WITHIN_S = 10

_STR = {"type": "string"}
_INT = {"type": "integer", "minimum": 0}
_NAME_REF = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {"name": _STR},
}
_POLICY = {
    "type": "object",
    "required": ["type", "value", "periodSeconds"],
    "additionalProperties": False,
    "properties": {"type": {"enum": ["Pods", "Percent"]}, "value": _INT, "periodSeconds": _INT},
}
_RULES = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "stabilizationWindowSeconds": _INT,
        "selectPolicy": {"enum": ["Max", "Min", "Disabled"]},
        "policies": {"type": "array", "items": _POLICY},
    },
}
_META = {"type": "object", "required": ["name"], "properties": {"name": _STR, "labels": {"type": "object"}}}
# The fields of KEDA's v2 CRDs (keda.sh/v1alpha1) these manifests use, strict like the rest.
KEDA_SCHEMAS = {
    "ScaledObject": {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "keda.sh/v1alpha1"},
            "kind": {"const": "ScaledObject"},
            "metadata": _META,
            "spec": {
                "type": "object",
                "required": ["scaleTargetRef", "triggers"],
                "additionalProperties": False,
                "properties": {
                    "scaleTargetRef": _NAME_REF,
                    "minReplicaCount": _INT,
                    "maxReplicaCount": _INT,
                    "pollingInterval": _INT,
                    "cooldownPeriod": _INT,
                    "advanced": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "horizontalPodAutoscalerConfig": {
                                "type": "object",
                                "additionalProperties": False,
                                "properties": {
                                    "behavior": {
                                        "type": "object",
                                        "additionalProperties": False,
                                        "properties": {"scaleUp": _RULES, "scaleDown": _RULES},
                                    }
                                },
                            }
                        },
                    },
                    "triggers": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["type", "metadata"],
                            "additionalProperties": False,
                            "properties": {
                                "type": _STR,
                                "name": _STR,
                                "metadata": {"type": "object", "additionalProperties": _STR},
                                "authenticationRef": _NAME_REF,
                            },
                        },
                    },
                },
            },
        },
    },
    "TriggerAuthentication": {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "keda.sh/v1alpha1"},
            "kind": {"const": "TriggerAuthentication"},
            "metadata": _META,
            "spec": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "secretTargetRef": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["parameter", "name", "key"],
                            "additionalProperties": False,
                            "properties": {"parameter": _STR, "name": _STR, "key": _STR},
                        },
                    }
                },
            },
        },
    },
}


def by_kind(resources: list[dict], kind: str) -> list[dict]:
    return [r for r in resources if r["kind"] == kind]


def one(resources: list[dict], kind: str, name: str | None = None) -> dict:
    found = [r for r in by_kind(resources, kind) if name is None or r["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind} {name or ''}: {len(found)} found"
    return found[0]


@pytest.fixture(scope="module", params=["base", "overlay"])
def rendered(request) -> list[dict]:
    return render(BASE if request.param == "base" else OVERLAY)


def test_every_manifest_validates_against_the_kubernetes_and_keda_schemas(rendered) -> None:
    kinds = set()
    for resource in rendered:
        kinds.add(resource["kind"])
        if resource["kind"] in KEDA_SCHEMAS:
            jsonschema.validate(resource, KEDA_SCHEMAS[resource["kind"]])
        else:
            kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
    assert {
        "Deployment", "Service", "Ingress", "ConfigMap", "Secret", "PodDisruptionBudget", "Job",
        "CronJob", "PersistentVolumeClaim", "ScaledObject", "TriggerAuthentication",
    } <= kinds  # fmt: skip


def test_a_broken_manifest_is_refused() -> None:
    deployment = one(render(BASE), "Deployment")
    pod_spec(deployment)["containers"][0]["readinesProbe"] = {"httpGet": {"path": "/readyz", "port": 8081}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
    scaled = one(render(BASE), "ScaledObject")
    scaled["spec"]["maxReplicas"] = 4
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(scaled, KEDA_SCHEMAS["ScaledObject"])


def test_the_bot_pods_probe_what_the_bot_serves_and_outlive_its_shutdown(rendered) -> None:
    config = one(rendered, "ConfigMap", "faceitbot-config")["data"]
    deployment = one(rendered, "Deployment", "faceitbot")
    pod = pod_spec(deployment)
    bot = pod["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in bot["ports"]}
    assert ports == {"webhook": int(config["PORT"]), "health": int(config["HEALTH_PORT"])}
    assert bot["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}
    assert bot["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert bot["startupProbe"]["httpGet"]["path"] == "/healthz"
    pre_stop = int(bot["lifecycle"]["preStop"]["exec"]["command"][-1])
    grace = float(config["SHUTDOWN_GRACE_SECONDS"])
    assert grace < EXIT_WITHIN_S
    assert pod["terminationGracePeriodSeconds"] > pre_stop + EXIT_WITHIN_S
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    memory = bot["resources"]["requests"]["memory"]
    assert memory.endswith("Mi") and int(memory[:-2]) >= BUSY_RSS_MIB
    assert int(bot["resources"]["limits"]["memory"][:-2]) > int(memory[:-2])
    # Webhook mode, on the same path the bot serves and the Ingress routes.
    assert config["WEBHOOK_URL"].startswith("https://")
    assert config["WEBHOOK_URL"].endswith(TELEGRAM_WEBHOOK_PATH)


def test_selectors_ports_and_secrets_line_up(rendered) -> None:
    deployment = one(rendered, "Deployment", "faceitbot")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    service = one(rendered, "Service", "faceitbot")
    pdb = one(rendered, "PodDisruptionBudget")

    def selects(selector: dict) -> bool:
        return selector.items() <= pod_labels.items()

    assert selects(deployment["spec"]["selector"]["matchLabels"])
    assert selects(service["spec"]["selector"]) and selects(pdb["spec"]["selector"]["matchLabels"])
    for name in ("faceitbot-migrate",):
        job_labels = one(rendered, "Job", name)["spec"]["template"]["metadata"]["labels"]
        assert not service["spec"]["selector"].items() <= job_labels.items(), "a Job must not get traffic"
    service_ports = {p["name"]: p for p in service["spec"]["ports"]}
    container_ports = {p["name"] for p in pod_spec(deployment)["containers"][0]["ports"]}
    assert {p["targetPort"] for p in service_ports.values()} <= container_ports

    ingress = one(rendered, "Ingress")
    routes = {
        path["path"]: path["backend"]["service"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    assert routes[TELEGRAM_WEBHOOK_PATH]["port"]["name"] == "webhook"
    assert routes[FACEIT_WEBHOOK_PATH]["port"]["name"] == "health"
    assert routes["/dashboard"]["port"]["name"] == "health"
    assert not {"/metrics", "/readyz", "/healthz", "/"} & set(routes)
    assert {r["name"] for r in routes.values()} == {service["metadata"]["name"]}
    assert all(r["port"]["name"] in service_ports for r in routes.values())
    host = ingress["spec"]["rules"][0]["host"]
    assert ingress["spec"]["tls"][0]["hosts"] == [host]
    config = one(rendered, "ConfigMap", "faceitbot-config")["data"]
    assert config["WEBHOOK_URL"] == f"https://{host}{TELEGRAM_WEBHOOK_PATH}"

    secret = one(rendered, "Secret", "faceitbot-secrets")
    keys = set(secret["stringData"])
    configmaps = {c["metadata"]["name"] for c in by_kind(rendered, "ConfigMap")}
    for resource in rendered:
        for container in containers(resource):
            for source in container.get("envFrom", []):
                if "secretRef" in source:
                    assert source["secretRef"]["name"] == secret["metadata"]["name"]
                else:
                    assert source["configMapRef"]["name"] in configmaps
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert (ref["name"], ref["key"]) == (secret["metadata"]["name"], ref["key"])
                    assert ref["key"] in keys
    auth = one(rendered, "TriggerAuthentication")
    for target in auth["spec"]["secretTargetRef"]:
        assert target["name"] == secret["metadata"]["name"] and target["key"] in keys
    cron = one(rendered, "CronJob")
    claim = pod_spec(cron)["volumes"][0]["persistentVolumeClaim"]["claimName"]
    assert claim in {p["metadata"]["name"] for p in by_kind(rendered, "PersistentVolumeClaim")}


def test_the_settings_are_ones_the_bot_reads_and_the_placeholders_never_start_it(rendered) -> None:
    config = one(rendered, "ConfigMap", "faceitbot-config")["data"]
    source = (ROOT / "faceitbot" / "config.py").read_text()
    for key in config:
        assert f'"{key}"' in source, f"{key} is not a setting"
    secrets = one(rendered, "Secret", "faceitbot-secrets")["stringData"]
    for key in secrets:
        assert f'"{key}"' in source, f"{key} is not a setting"
    real = {
        "TELEGRAM_BOT_TOKEN": "123:k8s-example",
        "FACEIT_API_KEY": "k8s-example-key",
        "WEBHOOK_SECRET": "k8s-webhook_secret",
        "FACEIT_WEBHOOK_SECRET": "k8s-faceit-webhook-secret",
        "DASHBOARD_TOKEN": "k8s-dashboard-token-0123",
        "DASHBOARD_ADMIN_TOKEN": "k8s-dashboard-admin-0123",
        "DATABASE_URL": "postgresql://faceitbot:pw@db:5432/faceitbot",
        "REDIS_URL": "redis://redis:6379/0",
    }
    assert set(real) == set(secrets)
    settings = load_settings({**config, **real}, dotenv=None)
    assert settings.webhook_url == config["WEBHOOK_URL"]
    assert (settings.port, settings.health_port) == (8080, 8081)
    assert settings.faceit_budget_requests / settings.faceit_budget_window_s <= 10  # the key's ceiling
    with pytest.raises(ConfigError):
        load_settings({**config, **secrets}, dotenv=None)


def test_the_overlay_changes_only_what_it_says() -> None:
    base, overlay = render(BASE), render(OVERLAY)
    assert {r["metadata"].get("namespace") for r in overlay if r["kind"] != "Namespace"} == {"faceitbot"}
    images = {c["image"] for r in overlay for c in containers(r)}
    assert images == {"registry.example.com/faceitbot:0.1.0", "postgres:16"}
    assert one(overlay, "ScaledObject")["spec"]["maxReplicaCount"] == 3
    assert one(base, "ScaledObject")["spec"]["maxReplicaCount"] == 4
    assert {(r["kind"], r["metadata"]["name"]) for r in overlay} == {
        (r["kind"], r["metadata"]["name"]) for r in base
    } | {("Namespace", "faceitbot")}


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kubectl_kustomize_renders_the_overlay_as_the_offline_renderer_does() -> None:
    out = subprocess.run(
        ["kubectl", "kustomize", str(OVERLAY)], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    theirs = [d for d in yaml.safe_load_all(out) if d]

    def key(r: dict) -> str:
        return json.dumps(r, sort_keys=True)

    assert sorted(map(key, theirs)) == sorted(map(key, render(OVERLAY)))


async def test_the_autoscaler_counts_due_and_running_jobs_per_priority(pool) -> None:
    scaled = one(render(OVERLAY), "ScaledObject")
    triggers = {t["name"]: t for t in scaled["spec"]["triggers"]}
    assert {t["type"] for t in triggers.values()} == {"postgresql"}
    assert scaled["spec"]["minReplicaCount"] >= 2  # the PDB keeps one while another moves
    await pool.execute(
        """
        INSERT INTO jobs (kind, priority, status, run_at) VALUES
            ('k', 0, 'queued', now()), ('k', 1, 'queued', now()), ('k', 1, 'running', now()),
            ('k', 1, 'queued', now() + interval '1 hour'),  -- a retry waiting: no worker needed yet
            ('k', 1, 'done', now()), ('k', 1, 'failed', now()),
            ('k', 2, 'queued', now()), ('k', 3, 'queued', now()), ('k', 3, 'running', now())
        """
    )
    counts = {}
    for name, trigger in triggers.items():
        query = trigger["metadata"]["query"]
        assert re.fullmatch(r"SELECT count\(\*\) FROM jobs WHERE [^;]+", query), query
        counts[name] = await pool.fetchval(query)
        assert float(trigger["metadata"]["targetQueryValue"]) > 0
    assert counts == {"user-facing-jobs": 3, "background-jobs": 3}
    config = one(render(OVERLAY), "ConfigMap", "faceitbot-config")["data"]
    # One replica per QUEUE_MAX_WORKERS user-facing jobs: each waits on a worker of its own.
    assert triggers["user-facing-jobs"]["metadata"]["targetQueryValue"] == config["QUEUE_MAX_WORKERS"]
