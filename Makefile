# GAN Studio developer commands. Each target creates .venv and installs the project on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PKG_STAMP := $(VENV)/.packaging

.PHONY: run test bench wheel package package-check clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@if $(BIN)/python -m pip list 2>/dev/null | grep -qi '^nvidia-'; then \
	  echo "note: CUDA packages are installed in $(VENV) (a CUDA build of torch)"; fi
	touch $(STAMP)

run: $(STAMP)  ## launch GAN Studio
	$(BIN)/ganstudio

test: $(STAMP)  ## run the whole test suite (headless)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/train_throughput.py

wheel: $(STAMP)  ## dist/ganstudio-VERSION-py3-none-any.whl (offline: the build backend is already in .venv)
	rm -rf build/lib build/bdist.*   # setuptools would otherwise pack files left there by an older build
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation --no-index -w dist .

$(PKG_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,package]"
	touch $(PKG_STAMP)

package: $(PKG_STAMP)  ## the desktop app for this machine in dist/ (PyInstaller; packaging/README.md)
	$(BIN)/python packaging/build_app.py $(PACKAGE_ARGS)

package-check: package  ## build the app, then run it headless as an artist would (before every release)
	QT_QPA_PLATFORM=offscreen $(BIN)/python packaging/check_app.py --json build/package-check.json

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
