# The project's two entry points: `make test` and `make demo` (both install first).
PYTHON ?= python3
VENV ?= .venv
VPY := $(VENV)/bin/python
# A CUDA user keeps their own torch build: make install TORCH_SPEC='torch>=2.1' (see README).
TORCH_SPEC ?= torch==2.13.0
# mmcv 2.1.0: `auto` = full (compiled ops) where torch sees CUDA, else mmcv-lite (no compile, see
# mmseg_da/mmcv_lite.py); `full` or `lite` forces it. Full mmcv already installed is always kept.
MMCV ?= auto
STAMP := $(VENV)/.installed-$(shell cat setup.py Makefile | sha1sum | cut -c1-12)-$(MMCV)
PYTEST_ARGS ?=
# the default run on the CI's 2 cores: one pytest worker per core, each test file kept in one worker (its
# module fixtures built once); PYTEST_WORKERS=0 runs in this process
PYTEST_WORKERS ?= 2

.PHONY: install lint test test-all demo clean-venv gpu-check

install: $(STAMP)

$(STAMP): setup.py Makefile
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip 'setuptools>=77,<81' wheel 'numpy<2'
	$(VPY) -m pip install -q '$(TORCH_SPEC)'
	@mode='$(MMCV)'; \
	if [ "$$mode" = auto ]; then \
	  if $(VPY) -c 'import sys, torch; sys.exit(not torch.cuda.is_available())'; then mode=full; else mode=lite; fi; \
	fi; \
	if $(VPY) mmseg_da/mmcv_lite.py --has-compiled-ext; then \
	  echo "mmcv: full mmcv (compiled ops) already installed, kept"; mode=full; \
	elif [ "$$mode" = full ]; then \
	  echo "mmcv: building full mmcv 2.1.0 with its compiled ops (tens of minutes on 2 cores)"; \
	  $(VPY) -m pip uninstall -y -q mmcv-lite; \
	  $(VPY) -m pip install -q ninja psutil && \
	  MMCV_WITH_OPS=1 $(VPY) -m pip install --no-build-isolation mmcv==2.1.0 'numpy<2' 'opencv-python<4.12' || exit 1; \
	else \
	  echo "mmcv: mmcv-lite 2.1.0 (no compiled ops; MMCV=full for them)"; \
	  $(VPY) -m pip install -q mmcv-lite==2.1.0 'numpy<2' 'opencv-python<4.12' || exit 1; \
	fi; \
	MMSEG_DA_MMCV=$$mode MMSEG_DA_TORCH='$(TORCH_SPEC)' $(VPY) -m pip install -q --no-build-isolation -e '.[tests,deploy]'
	$(VPY) mmseg_da/mmcv_lite.py --install-pth
	$(VPY) -c 'import mmseg.models, mmseg_da'
	rm -f $(VENV)/.installed-*
	touch $@

lint: install
	$(VPY) -m ruff check mmseg_da tools tests configs

test: install lint
	$(VPY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

test-all: install
	$(VPY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile -m '' $(PYTEST_ARGS)

demo: install
	$(VPY) tools/demo.py

# The GPU figures in one command (tools/gpu_check.sh; run `make install` first: on a CUDA machine `auto`
# builds full mmcv, which does not fit the check's 8 minutes). GPU_CHECK_DRY_RUN=1 runs it tiny on the CPU.
gpu-check:
	PYTHON=$(VPY) tools/gpu_check.sh

clean-venv:
	rm -rf $(VENV)
