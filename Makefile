# make run: the dashboard on http://localhost:$(PORT)    make test: the whole test suite
# Both create .venv from requirements.txt first (again only when requirements.txt changes).
# Nothing here reads standard input, so CI and scripts can call it.

PYTHON ?= python3
PORT ?= 8501
VENV := .venv
STAMP := $(VENV)/.requirements-installed
export PIP_NO_INPUT := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export DEBIAN_FRONTEND := noninteractive

.PHONY: run test venv clean

run: $(STAMP)
	PYTHONPATH=$(CURDIR) $(VENV)/bin/streamlit run dashboard/app.py --server.headless true --server.port $(PORT)

test: $(STAMP)
	$(VENV)/bin/python -m pytest -q

venv: $(STAMP)

# Debian splits venv's pip bootstrap (ensurepip) into the python3-venv package: without it `python3 -m venv`
# leaves a .venv with no pip. Install it when we are root, otherwise say what to run.
$(VENV)/bin/pip:
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11+ (Debian: apt-get install python3)" >&2; exit 1; }
	@if ! $(PYTHON) -m venv $(VENV) >/dev/null 2>&1 || [ ! -x $(VENV)/bin/pip ]; then \
	  rm -rf $(VENV); \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "$(PYTHON) cannot create a venv with pip; installing Debian's python3-venv"; \
	    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null || exit 1; \
	    $(PYTHON) -m venv $(VENV) || exit 1; \
	  else \
	    echo "error: '$(PYTHON) -m venv' cannot create a virtual environment with pip." >&2; \
	    echo "       On Debian/Ubuntu run: sudo apt-get install python3-venv   then: make $(MAKECMDGOALS)" >&2; \
	    exit 1; \
	  fi; \
	fi
	@test -x $(VENV)/bin/pip

$(STAMP): requirements.txt | $(VENV)/bin/pip
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -r requirements.txt
	touch $(STAMP)

clean:
	rm -rf $(VENV)
