# The two commands of the README: `make demo` and `make test`. Each sets up what it needs.
VENV    := .venv
STAMP   := $(VENV)/.installed
PYTHON  ?= python3

.PHONY: demo test system-deps clean

demo: system-deps $(STAMP)
	-$(VENV)/bin/python -m ui.voice.build  # the spoken guidance, made once offline into var/voice; a failure only leaves it to be made on first use
	$(VENV)/bin/kiosk demo

test: system-deps $(STAMP)
	$(VENV)/bin/python -m pytest

system-deps:
	@scripts/system-deps.sh

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) var build *.egg-info
