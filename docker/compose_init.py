"""One-shot setup of the docker compose stack: signing keys, tables, catalog seed.

Runs in the inventory service image (which contains `common` and `inventory_service`), as the
image's unprivileged user, before any service starts:

1. Creates a development Ed25519 key pair in CNOP_COMPOSE_KEY_DIR (the `jwt-keys` volume)
   unless one is there already. These keys are for local use only; the AWS deployment reads
   its keys from Kubernetes Secrets.
2. Creates the three tables on CNOP_DYNAMODB_ENDPOINT_URL (idempotent).
3. Seeds the asset catalog with `python -m inventory_service.seed` when that module exists,
   as `make run` does.
"""

from __future__ import annotations

import importlib.util
import os
import runpy
from pathlib import Path

from common.dynamodb.tables import main as tables_main
from common.security.tokens import generate_keypair

KEY_DIR = Path(os.environ.get("CNOP_COMPOSE_KEY_DIR", "/var/lib/cnop/keys"))


def ensure_keys(key_dir: Path) -> None:
    private_path = key_dir / "jwt-private.pem"
    public_path = key_dir / "jwt-public.pem"
    if private_path.exists() and public_path.exists():
        print(f"signing keys found in {key_dir}", flush=True)
        return
    private_pem, public_pem = generate_keypair()
    private_path.write_text(private_pem)
    private_path.chmod(0o600)
    public_path.write_text(public_pem)
    public_path.chmod(0o644)
    print(f"development signing keys created in {key_dir}", flush=True)


def seed_catalog() -> None:
    if importlib.util.find_spec("inventory_service.seed") is None:
        print("inventory_service.seed not present: catalog seed skipped", flush=True)
        return
    runpy.run_module("inventory_service.seed", run_name="__main__")


if __name__ == "__main__":
    ensure_keys(KEY_DIR)
    tables_main(["create"])
    seed_catalog()
