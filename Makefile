# bordergeo: the two commands of the quick start are `make serve` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# the local mirror of the public sources; empty means download from each source's origin URL
export BORDERGEO_MIRROR ?= $(shell [ -d ../shared/data/sources ] && realpath ../shared/data/sources)

.PHONY: install system-deps fetch build serve maps test lint bench bench-cache clean

$(BIN)/bordergeo: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/bordergeo

system-deps:
	bash .ci/system-deps.sh

fetch: install
	$(BIN)/bordergeo fetch

build: fetch
	$(BIN)/bordergeo build

maps: build
	$(BIN)/bordergeo maps

serve: fetch
	$(BIN)/bordergeo serve --host $(HOST) --port $(PORT)

test: install system-deps
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check geo layers api maps tests benchmarks
	$(BIN)/mypy

bench: build
	$(BIN)/python benchmarks/bench_peers.py

bench-cache: build
	$(BIN)/python benchmarks/bench_ogc.py

clean:
	rm -rf $(VENV) data
