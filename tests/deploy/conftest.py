"""Fixtures of the deployment tests: the Terraform CLI with the provider mirror, offline.

Terraform gets a CLI configuration generated per test session. When the machine has a
provider mirror at /opt/tf-plugins (or at CNOP_TF_PLUGIN_MIRROR), providers come only from
there; otherwise Terraform uses its default registry installation.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from devstack.dynamodb_local import DUMMY_ACCESS_KEY, DUMMY_REGION, DUMMY_SECRET_KEY, REPO_ROOT

TERRAFORM_DIR = REPO_ROOT / "terraform"
DEFAULT_PLUGIN_MIRROR = Path("/opt/tf-plugins")


def plugin_mirror() -> Path | None:
    """Return the local provider mirror, if this machine has one."""
    mirror = Path(os.environ.get("CNOP_TF_PLUGIN_MIRROR", DEFAULT_PLUGIN_MIRROR))
    return mirror if mirror.is_dir() else None


def write_cli_config(path: Path, mirror: Path | None) -> Path:
    """Write a CLI configuration that installs providers from `mirror` only, or from the registry.

    Without a mirror the file only has a comment, so Terraform's default installation applies.
    """
    if mirror is None:
        path.write_text("# no provider mirror on this machine: default registry installation\n")
    else:
        path.write_text(
            "provider_installation {\n"
            "  filesystem_mirror {\n"
            f'    path    = "{mirror}"\n'
            '    include = ["registry.terraform.io/*/*"]\n'
            "  }\n"
            "}\n"
        )
    return path


@pytest.fixture(scope="session")
def terraform_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for Terraform: no version check, no AWS profile or metadata, dummy keys."""
    if shutil.which("terraform") is None:
        pytest.fail(
            "terraform was not found on PATH; install Terraform >= 1.6 to run the "
            "deployment tests (docs/deployment.md lists the tools)."
        )
    work = tmp_path_factory.mktemp("terraform")
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(work),
        "TF_CLI_CONFIG_FILE": str(write_cli_config(work / "terraformrc", plugin_mirror())),
        "TF_DATA_DIR": str(work / "data"),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_KEY,
        "AWS_DEFAULT_REGION": DUMMY_REGION,
    }
