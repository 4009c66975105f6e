# Two commands matter: `make run` starts the platform, `make test` runs every check.
# Both create .venv and install the pinned dependencies on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: help install run test lint format typecheck pytest dynamodb tables demo bench admin invariants deploy-check clean

help:
	@echo "make run      start DynamoDB Local, tables, seed data and the three services"
	@echo "make demo     run a trading session over HTTP against a running make run"
	@echo "make install  create .venv with the pinned dependencies (run and test do it too)"
	@echo "make test     lint, type-check and run the whole test suite with coverage"
	@echo "make dynamodb start only DynamoDB Local (persistent, port CNOP_DYNAMODB_PORT)"
	@echo "make tables   create the tables on CNOP_DYNAMODB_ENDPOINT_URL"
	@echo "make format   apply ruff's formatter and import sorting"
	@echo "make admin USERNAME=<name>  grant the admin role on the local stack"
	@echo "make deploy-check  lint Dockerfiles, Kubernetes manifests and Terraform"
	@echo "make bench    start a private stack, measure it and write docs/benchmarks.md"
	@echo "make invariants  check the money identities of the local make run stack"
	@echo "make clean    remove .venv, caches and local data"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m devstack.run

demo: $(STAMP)
	$(BIN)/python -m devstack.demo

dynamodb: $(STAMP)
	$(BIN)/python -m devstack.dynamodb_local

tables: $(STAMP)
	$(BIN)/python -m common.dynamodb.tables create

# Environment for operator commands against the local `make run` stack: its endpoint and
# the dummy credentials DynamoDB Local accepts. Against AWS, run the Python modules directly.
LOCAL_STACK_ENV = CNOP_DYNAMODB_ENDPOINT_URL=http://127.0.0.1:$${CNOP_DYNAMODB_PORT:-8000} \
	AWS_ACCESS_KEY_ID=cnoplocal AWS_SECRET_ACCESS_KEY=cnoplocalsecret AWS_DEFAULT_REGION=us-east-1

# Grants the admin role on the local `make run` stack: make admin USERNAME=alice
admin: $(STAMP)
	@test -n "$(USERNAME)" || { echo "usage: make admin USERNAME=<username>"; exit 2; }
	$(LOCAL_STACK_ENV) $(BIN)/python -m user_service.manage set-role "$(USERNAME)" admin

bench: $(STAMP)
	$(BIN)/python -m devstack.bench

invariants: $(STAMP)
	$(LOCAL_STACK_ENV) $(BIN)/python -m devstack.invariants

lint: $(STAMP)
	$(BIN)/ruff check services tools tests
	$(BIN)/ruff format --check services tools tests

format: $(STAMP)
	$(BIN)/ruff check --fix services tools tests
	$(BIN)/ruff format services tools tests

typecheck: $(STAMP)
	$(BIN)/mypy

deploy-check:
	bash tools/deploy-check.sh

pytest: $(STAMP)
	$(BIN)/pytest --cov --cov-report=term $(PYTEST_ARGS)

test: lint typecheck deploy-check pytest

clean:
	rm -rf $(VENV) .cache .data .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov
