# The project's two entry points: `make test` and `make demo` (both install first).
PYTHON ?= python3
VENV ?= .venv
VPY := $(VENV)/bin/python
# A CUDA user keeps their own torch build: make install TORCH_SPEC='torch>=2.1' (see README).
TORCH_SPEC ?= torch==2.13.0
STAMP := $(VENV)/.installed-$(shell cat setup.py Makefile | sha1sum | cut -c1-12)
PYTEST_ARGS ?=

.PHONY: install test test-all demo clean-venv

install: $(STAMP)

$(STAMP): setup.py Makefile
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip 'setuptools>=77,<81' wheel ninja psutil 'numpy<2'
	$(VPY) -m pip install -q '$(TORCH_SPEC)'
	$(VPY) -c 'import mmcv.ops' 2>/dev/null || \
	  MMCV_WITH_OPS=1 $(VPY) -m pip install --no-build-isolation mmcv==2.1.0 'numpy<2' 'opencv-python<4.12'
	MMSEG_DA_TORCH='$(TORCH_SPEC)' $(VPY) -m pip install -q --no-build-isolation -e '.[tests]'
	rm -f $(VENV)/.installed-*
	touch $@

test: install
	$(VPY) -m pytest $(PYTEST_ARGS)

test-all: install
	$(VPY) -m pytest -m '' $(PYTEST_ARGS)

demo: install
	$(VPY) tools/demo.py

clean-venv:
	rm -rf $(VENV)
