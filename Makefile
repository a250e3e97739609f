# The two commands of the README: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   := demo/app_metadata.db

.PHONY: run test setup system-deps system-deps-offscreen lint test-long bench screenshots bundle dialog-screenshots clean

$(BIN)/.installed: pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

setup: $(BIN)/.installed

system-deps:
	bash scripts/install-system-deps.sh gui

system-deps-offscreen:
	bash scripts/install-system-deps.sh offscreen

$(DEMO): | $(BIN)/.installed
	mkdir -p demo
	$(BIN)/wsadmin demo $(DEMO) --users 2000 --state legacy

# Set up everything and open the app on a fresh demo database (legacy schema,
# so the upgrade can be tried at once).
run: system-deps setup $(DEMO)
	@if [ -z "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
	  echo "no display: running under xvfb-run (nothing will be visible)"; \
	  xvfb-run -a $(BIN)/wsadmin gui $(DEMO); \
	else $(BIN)/wsadmin gui $(DEMO); fi

lint: setup
	$(BIN)/ruff check wsadmin migrations tests bench scripts packaging
	$(BIN)/mypy
	$(BIN)/lint-imports

# Set up everything and run the whole suite headless: linters, type checks,
# the import contract, then pytest (warnings and Qt warnings fail tests).
test: system-deps-offscreen setup lint
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -m "not slow" -q

test-long: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -m slow -q

bench: setup
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

screenshots: system-deps setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python scripts/screenshots.py

# The frozen app (packaging/wsadmin.spec): built from the wheel installed into a venv of
# its own, so the bundle holds what the wheel ships and none of the dev tools.
BUNDLE_VENV := build/bundle-venv
bundle: setup
	rm -rf build/bundle-wheel
	$(BIN)/pip wheel --quiet --no-deps --no-build-isolation -w build/bundle-wheel .
	test -x $(BUNDLE_VENV)/bin/python || $(PYTHON) -m venv $(BUNDLE_VENV)
	$(BUNDLE_VENV)/bin/pip install --quiet --disable-pip-version-check \
	  --force-reinstall --no-deps build/bundle-wheel/wsadmin-*.whl
	$(BUNDLE_VENV)/bin/pip install --quiet --disable-pip-version-check \
	  "$$(ls build/bundle-wheel/wsadmin-*.whl)[packaging]"
	$(BUNDLE_VENV)/bin/pyinstaller --noconfirm --log-level WARN --distpath dist/bundle \
	  --workpath build/pyinstaller packaging/wsadmin.spec
	@du -sh dist/bundle/wsadmin

# The About and crash dialogs of the INSTALLED app (the wheel in a fresh venv outside
# the checkout), into docs/screenshots/.
dialog-screenshots: setup
	tmp=$$(mktemp -d) && \
	$(BIN)/pip wheel --quiet --no-deps --no-build-isolation -w $$tmp/wheel . && \
	$(PYTHON) -m venv $$tmp/venv && \
	$$tmp/venv/bin/pip install --quiet --disable-pip-version-check $$tmp/wheel/wsadmin-*.whl && \
	cd $$tmp && QT_QPA_PLATFORM=offscreen $$tmp/venv/bin/python \
	  $(CURDIR)/packaging/dialog_screenshots.py $(CURDIR)/docs/screenshots; \
	rc=$$?; rm -rf $$tmp; exit $$rc

clean:
	rm -rf $(VENV) demo build dist *.egg-info
