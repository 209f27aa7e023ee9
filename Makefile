# One target per task; `make run` and `make test` are the two set-up commands in README.md.
.PHONY: run test test-unit test-integration bench bench-http lint contracts lock docs

run:            ## run the platform locally (Kafka + four services on SQLite + demo data)
	scripts/run

test:           ## install everything and run the whole suite on real Kafka and PostgreSQL
	scripts/test

test-unit:      ## pure logic and contract tests only (no Kafka, no database)
	scripts/test tests/unit tests/contract

test-integration: ## tests that start real Kafka and PostgreSQL
	scripts/test tests/integration tests/e2e

bench:          ## the bus throughput benchmark (prints figures and the ratio)
	scripts/bootstrap --with-postgres && .venv/bin/python -m bench.bus_throughput $(BENCH_ARGS)

bench-http:     ## the HTTP path benchmark: bare FastAPI vs the registry's endpoints (issue 15)
	scripts/bootstrap --with-postgres && .venv/bin/python -m bench.http $(BENCH_ARGS)

lint:           ## ruff and mypy
	.venv/bin/ruff check . && .venv/bin/mypy shared services

contracts:      ## regenerate docs/contracts from the event models
	.venv/bin/python scripts/export_contracts.py

docs:           ## build the documentation site into ./site, offline, failing on any warning
	NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --site-dir site

lock:           ## re-pin every installed package into constraints.txt
	.venv/bin/pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

.PHONY: mutation
mutation:       ## mutation score per package with mutmut (long; SCOPES="policy bus" for some)
	scripts/bootstrap && .venv/bin/python scripts/mutation.py $(SCOPES)

.PHONY: soak
soak:           ## the three-broker fault suites, longer (FAULT_EVENTS, default 20000; FLOW_FAULT_PROJECTS, default 500; FAULT_DB_DOWN_S)
	FAULT_SOAK=1 FAULT_EVENTS=$${FAULT_EVENTS:-20000} FLOW_FAULT_PROJECTS=$${FLOW_FAULT_PROJECTS:-500} \
	  .venv/bin/pytest -q -s -p no:cacheprovider --timeout 3600 \
	  tests/integration/test_cluster_faults.py tests/integration/test_cluster_flow_faults.py
