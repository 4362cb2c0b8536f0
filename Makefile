# PixelPatchwork: `make run` serves with embedded defaults, `make test` runs every test.
# Both install what they need first (Python venv in .venv, client packages in client/).

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PYTHON_STAMP := $(VENV)/.installed
DETECTOR_STAMP := $(VENV)/.detector-installed
# PyTorch for the detector extra, installed first and pinned so that the extra's torch>=2.2
# is already met (the CPU build where the machine provides one) and pip fetches no other build.
TORCH ?= torch==2.13.0
CLIENT_STAMP := client/node_modules/.installed
CLIENT_BUILD := client/dist/app.js
CLIENT_SOURCES := $(shell find client/src client/scripts -type f -not -path "*/generated/*" 2>/dev/null) $(wildcard client/vite.config.ts client/tsconfig.json) shared/protocol.json

.PHONY: install run test test-python test-client migrate worker bench reliability clean

install: $(PYTHON_STAMP) $(CLIENT_BUILD)

$(PYTHON_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

$(CLIENT_STAMP): client/package.json client/package-lock.json
	cd client && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(CLIENT_BUILD): $(CLIENT_STAMP) $(CLIENT_SOURCES)
	cd client && npm run --silent build

migrate: $(PYTHON_STAMP)
	$(BIN)/pixelpatchwork db upgrade

run: install migrate
	$(BIN)/pixelpatchwork serve

worker: $(PYTHON_STAMP)
	$(BIN)/pixelpatchwork worker

test-client: $(CLIENT_STAMP)
	cd client && npm test --silent

# The detector extra (PyTorch) is for the tests and for researchers; `make run` does without.
$(DETECTOR_STAMP): $(PYTHON_STAMP)
	$(PY) -m pip install --quiet '$(TORCH)'
	$(PY) -m pip install --quiet -e '.[test,detector]'
	@touch $@

test-python: install $(DETECTOR_STAMP)
	$(PY) -m pytest

test: test-client test-python

bench: install
	$(PY) -m bench

# Every fault-injection test (the slow ones too) and the fuzzers at length, then the figures
# into docs/reliability.md; the page is rewritten even when a test failed, and says so.
reliability: $(PYTHON_STAMP)
	rm -rf test-artifacts/reliability
	RELIABILITY=1 FUZZ_EXAMPLES=100 $(PY) -m pytest tests/faults tests/integration/test_api_fuzz.py tests/integration/test_socket_fuzz.py; \
	status=$$?; $(PY) -m tests.faults.report; exit $$status

clean:
	rm -rf $(VENV) client/node_modules client/dist client/src/generated .pytest_cache
