"""What the deployment files promise beyond schema validity: routes, privileges, probes, keys.

The overlays are rendered with `kubectl kustomize`; the compose file and the Dockerfiles are
read as text. kubernetes-validate and checkov (tools/deploy-check.sh) check the schema and
the generic best practices; these tests check the project's own rules.
"""

from __future__ import annotations

import re

import pytest
import yaml

from devstack.dynamodb_local import REPO_ROOT
from tests.deploy.manifests import OVERLAYS, SERVICES, config_for, pod_specs, resources

EXPECTED_ROUTES = {
    "/api/v1/auth": "user-service",
    "/api/v1/balance": "user-service",
    "/api/v1/inventory": "inventory-service",
    "/api/v1/orders": "order-service",
    "/api/v1/portfolio": "order-service",
    "/api/v1/assets": "order-service",
}
PUBLIC_KEY_FILE = "/etc/cnop/jwt-public/jwt-public.pem"
DIGEST_IMAGE = re.compile(r"^[^@]+@sha256:[0-9a-f]{64}$")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_ingress_routes_by_prefix(overlay: str) -> None:
    (ingress,) = resources(overlay, "Ingress").values()
    (rule,) = ingress["spec"]["rules"]

    routes = {path["path"]: path["backend"]["service"]["name"] for path in rule["http"]["paths"]}
    path_types = {path["pathType"] for path in rule["http"]["paths"]}

    assert routes == EXPECTED_ROUTES
    assert path_types == {"Prefix"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_run_restricted(overlay: str) -> None:
    for workload, spec in pod_specs(overlay).items():
        pod_context = spec["securityContext"]
        assert pod_context["runAsNonRoot"] is True, workload
        assert pod_context["runAsUser"] >= 10000, workload
        assert pod_context["seccompProfile"]["type"] == "RuntimeDefault", workload
        assert spec["automountServiceAccountToken"] is False, workload
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, workload
            assert context["readOnlyRootFilesystem"] is True, workload
            assert context["capabilities"]["drop"] == ["ALL"], workload
            assert "add" not in context["capabilities"], workload
            assert "limits" in container["resources"], workload
            assert "requests" in container["resources"], workload


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_probe_health_routes(overlay: str) -> None:
    deployments = resources(overlay, "Deployment")

    for service in SERVICES:
        (container,) = deployments[service]["spec"]["template"]["spec"]["containers"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/health/live", service
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready", service


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_signing_key_only_in_user_service(overlay: str) -> None:
    for workload, spec in pod_specs(overlay).items():
        secrets = {
            volume["secret"]["secretName"]
            for volume in spec.get("volumes", [])
            if "secret" in volume
        }
        kind, name = workload.split("/")
        if kind == "Deployment" and name == "user-service":
            assert secrets == {"cnop-jwt-public-key", "cnop-jwt-signing-key"}
        elif kind == "Deployment" and name in SERVICES:
            assert secrets == {"cnop-jwt-public-key"}, workload
        else:
            assert secrets == set(), workload


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_public_key_file_configured(overlay: str) -> None:
    for service in SERVICES:
        assert config_for(overlay, service)["CNOP_JWT_PUBLIC_KEY_FILE"] == PUBLIC_KEY_FILE


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_ingress_reaches_services(overlay: str) -> None:
    policies = resources(overlay, "NetworkPolicy")
    to_services = [
        policy
        for policy in policies.values()
        if policy["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/component")
        == "api"
        and "ingress" in policy["spec"]
    ]

    assert policies["default-deny"]["spec"]["podSelector"] == {}
    assert set(policies["default-deny"]["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert [policy["metadata"]["name"] for policy in to_services] == [
        "allow-from-ingress-controller"
    ]


def test_aws_service_accounts_carry_roles() -> None:
    accounts = resources("aws", "ServiceAccount")

    for service in SERVICES:
        role = accounts[service]["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
        assert role.endswith(f":role/cnop-{service}"), service


def test_aws_images_pinned_by_digest() -> None:
    deployments = resources("aws", "Deployment")

    for service in SERVICES:
        (container,) = deployments[service]["spec"]["template"]["spec"]["containers"]
        assert DIGEST_IMAGE.match(container["image"]), container["image"]
        assert "annotations" not in deployments[service]["metadata"] or not any(
            key.startswith("checkov.io/skip")
            for key in deployments[service]["metadata"]["annotations"]
        ), service


def test_aws_uses_alb_and_real_dynamodb() -> None:
    (ingress,) = resources("aws", "Ingress").values()

    assert ingress["spec"]["ingressClassName"] == "alb"
    for service in SERVICES:
        config = config_for("aws", service)
        assert "CNOP_DYNAMODB_ENDPOINT_URL" not in config, service
        assert "AWS_ACCESS_KEY_ID" not in config, service
        assert config["CNOP_ENVIRONMENT"] == "prod", service
    assert "deployment-values" not in resources("aws", "ConfigMap")


def test_local_dynamodb_disables_telemetry() -> None:
    deployment = resources("local", "Deployment")["dynamodb-local"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]

    assert "-disableTelemetry" in container["args"]


def test_local_services_use_dynamodb_local() -> None:
    for service in SERVICES:
        config = config_for("local", service)
        assert config["CNOP_DYNAMODB_ENDPOINT_URL"] == "http://dynamodb-local:8000", service
        assert config["AWS_ACCESS_KEY_ID"].isalnum(), service
        assert config["AWS_SECRET_ACCESS_KEY"].isalnum(), service


def test_compose_binds_loopback_only() -> None:
    compose = yaml.safe_load((REPO_ROOT / "docker" / "docker-compose.yml").read_text())

    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port}"


def test_compose_dynamodb_disables_telemetry() -> None:
    compose = yaml.safe_load((REPO_ROOT / "docker" / "docker-compose.yml").read_text())

    assert "-disableTelemetry" in compose["services"]["dynamodb"]["command"]


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_runs_unprivileged(service: str) -> None:
    dockerfile = (REPO_ROOT / "docker" / f"{service}.Dockerfile").read_text()
    users = re.findall(r"^USER (\S+)$", dockerfile, flags=re.MULTILINE)

    assert users == ["10001:10001"]
    assert "HEALTHCHECK" in dockerfile
    assert "/health/live" in dockerfile
    assert dockerfile.count("FROM python:3.11-slim") == 2
