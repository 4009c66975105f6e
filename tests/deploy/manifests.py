"""Rendering of the kustomize overlays for the deployment tests."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from typing import Any

import pytest
import yaml

from devstack.dynamodb_local import REPO_ROOT

SERVICES = ("user-service", "inventory-service", "order-service")
OVERLAYS = ("local", "aws")


@cache
def render(overlay: str) -> tuple[dict[str, Any], ...]:
    """Return the documents of one rendered overlay."""
    if shutil.which("kubectl") is None:
        pytest.fail("kubectl was not found on PATH; install kubectl 1.27+ (it includes kustomize)")
    result = subprocess.run(
        ["kubectl", "kustomize", str(REPO_ROOT / "kubernetes" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def resources(overlay: str, kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in render(overlay) if doc["kind"] == kind}


def pod_specs(overlay: str) -> dict[str, dict[str, Any]]:
    """Return the pod template spec of every Deployment and Job by workload name."""
    specs = {}
    for doc in render(overlay):
        if doc["kind"] in ("Deployment", "Job"):
            specs[f"{doc['kind']}/{doc['metadata']['name']}"] = doc["spec"]["template"]["spec"]
    return specs


def config_for(overlay: str, service: str) -> dict[str, str]:
    configs = resources(overlay, "ConfigMap")
    (name,) = [name for name in configs if name.startswith(f"{service}-config")]
    return dict(configs[name]["data"])
