# Two entry points do all set-up: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test release bench bench-cluster lab clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

demo: $(STAMP)
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/autograder demo

test: $(STAMP)
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/python -m pytest -q -n auto --dist loadfile

release: $(STAMP)
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/autograder release --all

# JupyterLab with formgrader in a course directory: the course root, or COURSE=demo after `make demo`.
COURSE ?= .
lab: $(STAMP)
	cd $(COURSE) && PATH=$(CURDIR)/$(BIN):$$PATH $(CURDIR)/$(BIN)/jupyter lab

bench: $(STAMP)
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/python benchmarks/bench_grading.py

bench-cluster: $(STAMP)
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/python benchmarks/bench_cluster.py

clean:
	rm -rf gradebook.db autograded feedback reports submitted grades.csv .pytest_cache
