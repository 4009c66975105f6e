#!/usr/bin/env bash
# Lint and validate the deployment files: hadolint on every Dockerfile, `kubectl kustomize` and
# kubernetes-validate --strict on each overlay, terraform fmt and validate on each root module,
# and one checkov run over docker/, kubernetes/ and terraform/. Images are never built here.
#
# The Python linters are installed from tools/deploy-requirements.txt into
# .cache/deploy-tools-venv. kubectl and terraform must already be on PATH. A missing tool
# fails the check with a message that names the tool to install.
#
# Settings (environment variables):
#   CNOP_K8S_VERSION        Kubernetes version the manifests are validated against (1.32.0)
#   CNOP_TF_PLUGIN_MIRROR   Terraform provider mirror directory (/opt/tf-plugins); when it does
#                           not exist, Terraform installs providers from its registry.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
PYTHON=${PYTHON:-python3}
K8S_VERSION=${CNOP_K8S_VERSION:-1.32.0}
TF_PLUGIN_MIRROR=${CNOP_TF_PLUGIN_MIRROR:-/opt/tf-plugins}
REQUIREMENTS=tools/deploy-requirements.txt
VENV=.cache/deploy-tools-venv
WORK=.cache/deploy-check
OVERLAYS=(local aws)
TERRAFORM_ROOTS=(terraform terraform/test-fixtures/dynamodb-local)

# Terraform and the AWS provider must not phone home or look for real credentials.
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE

fail() {
    echo "deploy-check: FAILED: $*" >&2
    exit 1
}

step() {
    STEP_STARTED=$SECONDS
    echo "deploy-check: $*"
}

step_done() {
    echo "deploy-check:   ok ($((SECONDS - STEP_STARTED)) s)"
}

require_tool() {
    command -v "$1" >/dev/null 2>&1 || fail "$1 was not found on PATH; $2"
}

# Recreate the linters' virtual environment whenever the requirements file changes.
ensure_tools_venv() {
    local stamp="$VENV/.requirements.sha256"
    local wanted
    wanted=$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
        return
    fi
    step "installing the linters from $REQUIREMENTS into $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV" || fail "could not create $VENV with $PYTHON"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        --requirement "$REQUIREMENTS" || fail "installing $REQUIREMENTS failed (see pip's output above)"
    echo "$wanted" >"$stamp"
    step_done
}

write_terraform_cli_config() {
    local config="$ROOT/.cache/terraform/terraformrc"
    mkdir -p "$(dirname "$config")"
    if [[ -d "$TF_PLUGIN_MIRROR" ]]; then
        cat >"$config" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$TF_PLUGIN_MIRROR"
    include = ["registry.terraform.io/*/*"]
  }
}
EOF
    else
        echo "deploy-check: no provider mirror at $TF_PLUGIN_MIRROR; Terraform uses its registry"
        echo "# no provider mirror: default registry installation" >"$config"
    fi
    export TF_CLI_CONFIG_FILE="$config"
}

check_dockerfiles() {
    step "hadolint on docker/*.Dockerfile"
    local dockerfiles=(docker/*.Dockerfile)
    [[ -e "${dockerfiles[0]}" ]] || fail "no Dockerfile found in docker/"
    "$VENV/bin/hadolint" "${dockerfiles[@]}" || fail "hadolint reported the findings above"
    step_done
}

check_kubernetes() {
    local overlay rendered
    mkdir -p "$WORK"
    for overlay in "${OVERLAYS[@]}"; do
        step "kubectl kustomize kubernetes/overlays/$overlay, kubernetes-validate --strict (Kubernetes $K8S_VERSION)"
        rendered="$WORK/$overlay.yaml"
        kubectl kustomize "kubernetes/overlays/$overlay" >"$rendered" \
            || fail "kubectl kustomize kubernetes/overlays/$overlay failed"
        "$VENV/bin/kubernetes-validate" --strict --quiet --kubernetes-version "$K8S_VERSION" "$rendered" \
            || fail "kubernetes/overlays/$overlay does not validate against Kubernetes $K8S_VERSION"
        step_done
    done
}

check_terraform() {
    local root data_dir
    step "terraform fmt -check on terraform/"
    terraform fmt -check -recursive -diff terraform || fail "terraform fmt found unformatted files; run terraform fmt -recursive terraform"
    step_done
    for root in "${TERRAFORM_ROOTS[@]}"; do
        step "terraform init -backend=false and validate in $root"
        data_dir="$ROOT/.cache/terraform/data/${root//\//_}"
        TF_DATA_DIR="$data_dir" terraform -chdir="$root" init -backend=false -input=false -no-color >"$WORK/terraform-init.log" 2>&1 \
            || { cat "$WORK/terraform-init.log" >&2; fail "terraform init failed in $root"; }
        TF_DATA_DIR="$data_dir" terraform -chdir="$root" validate -no-color || fail "terraform validate failed in $root"
        step_done
    done
}

# One run over the three folders: checkov's start-up dominates its run time. --skip-download
# keeps it offline (it otherwise fetches guideline links from Prisma Cloud). Skips must be
# inline comments or annotations that give a reason.
check_checkov() {
    step "checkov on docker/, kubernetes/ and terraform/"
    "$VENV/bin/checkov" --quiet --compact --skip-download --download-external-modules false \
        --framework dockerfile kustomize terraform secrets \
        --directory docker --directory kubernetes --directory terraform \
        || fail "checkov reported the failed checks above"
    step_done
}

main() {
    local started=$SECONDS
    require_tool "$PYTHON" "install Python 3.11 or later"
    require_tool kubectl "install kubectl (1.27 or later, which includes kustomize)"
    require_tool terraform "install Terraform 1.6 or later"
    mkdir -p "$WORK"
    ensure_tools_venv
    write_terraform_cli_config
    check_dockerfiles
    check_kubernetes
    check_terraform
    check_checkov
    echo "deploy-check: all deployment checks passed in $((SECONDS - started)) s"
}

main "$@"
