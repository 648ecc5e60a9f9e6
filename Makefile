# The two commands: `make run` and `make test` (each installs first when needed).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | sha1sum | cut -c1-12)
# Django 6 needs Python >= 3.12: take the first one found (PATH, then pyenv's versions).
PYTHON ?= $(shell for p in python3.12 python3.13 python3.14 $$(ls -d $$HOME/.pyenv/versions/3.1[234]*/bin/python3 /usr/local/bin/python3.1[234] 2>/dev/null) python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo $$p; break; fi; done)
PYTEST_ARGS ?=

.PHONY: install run test test-clock test-thorough bench lint check-deploy system-deps clean

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python >= 3.12 introuvable (Django 6) : installez-le ou passez PYTHON=…"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)
	@$(PY) -c "import weasyprint.text.ffi as f; f.harfbuzz_subset is None and print('ATTENTION : libharfbuzz-subset0 manque (PDF 3 à 5 fois plus lents) : make system-deps')" 2>/dev/null || true

# Debian packages the product needs (WeasyPrint's libraries, fonts, Chromium for browser tests,
# LibreOffice to convert office documents and Tesseract to read scanned addresses: courrier).
DEBIAN_PACKAGES := libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-liberation libmagic1 chromium faketime libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui tesseract-ocr tesseract-ocr-fra
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
system-deps:
	@if ! command -v dpkg >/dev/null 2>&1; then \
		echo "Pas un système Debian : installez vous-même $(DEBIAN_PACKAGES)."; \
	elif ! dpkg -s $(DEBIAN_PACKAGES) >/dev/null 2>&1; then \
		echo "Installation des paquets Debian manquants ($(DEBIAN_PACKAGES))…"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			$(DEBIAN_PACKAGES) >/dev/null; \
	fi

# A development server: the dev settings, chosen here and in the Procfile (portal.wsgi and
# portal.celery default to the production settings).
DEV_SETTINGS := DJANGO_SETTINGS_MODULE=portal.settings.dev
run: install system-deps
	@mkdir -p var
	$(DEV_SETTINGS) $(PY) manage.py migrate --noinput
	$(DEV_SETTINGS) $(PY) manage.py seed_demo
	@echo "Portail sur http://localhost:$${WEB_PORT:-8000}/ — Ctrl-C arrête le web, le worker et le beat."
	$(DEV_SETTINGS) $(VENV)/bin/honcho start -f Procfile

test: install system-deps
	@mkdir -p var
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

# The whole suite with the wall clock forced (libfaketime) to the evening, midnight and New Year's
# Eve: no test may depend on the time of day or the date it runs (the business clock is frozen).
# The browser tests are left out here (they run in make test): Chromium's processes each restart
# libfaketime's clock and lose their timers (htmx's delays, Playwright's waits time out at random),
# which would test libfaketime, not the product.
# Moments in UTC: 19:59 and 20:01 Paris in winter, 23:59 Paris on 31 December and in summer.
FORCED_MOMENTS ?= 2026-12-04T18:59:00 2026-12-04T19:01:00 2026-12-31T22:59:00 2027-06-30T21:59:00
test-clock: install system-deps
	@mkdir -p var
	@set -o pipefail; for moment in $(FORCED_MOMENTS); do \
		echo "== make test with the wall clock at $$moment UTC (libfaketime)"; \
		faketime -f "@$${moment/T/ }" $(PY) -m pytest -n 2 -q -m "not browser" $(PYTEST_ARGS) | tail -n 15 || exit 1; \
	done

# The randomised tests looking harder: ten times the Hypothesis examples with a fresh seed, and
# the fuzz sending every wrong value to every field (tests/profiles.py). On demand, not in CI.
test-thorough: install system-deps
	@mkdir -p var
	HYPOTHESIS_PROFILE=thorough $(PY) -m pytest -n 2 $(PYTEST_ARGS) tests/test_fuzz.py \
		tests/amiable/test_rules.py tests/billing/test_ledger_properties.py tests/resiliation/test_deadlines.py \
		tests/portal/test_businessdays.py

bench: install
	@mkdir -p var
	$(PY) -m benchmarks

lint: install
	$(VENV)/bin/ruff check .

# Django's deployment checks on the production settings, failing on any warning. The providers
# and their secrets come from the environment: with the defaults (sandboxes) it fails
# (billing.E002, resiliation.E002, courrier.E002, …); it passes once the real ones are configured, e.g.
#   BILLING_PAYMENT_PROVIDER=http BILLING_PAYMENT_API_URL=https://… BILLING_PAYMENT_API_KEY=…
#   BILLING_PAYMENT_SECRET=… RESILIATION_{SIGNATURE,REGISTERED_MAIL,IDENTITY}_{PROVIDER,API_URL,API_KEY}=…
#   RESILIATION_WEBHOOK_SECRET=… COURRIER_POSTAL_{PROVIDER,API_URL,API_KEY}=… COURRIER_WEBHOOK_SECRET=…
#   make check-deploy
check-deploy: install
	DJANGO_SETTINGS_MODULE=portal.settings.production SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
		ALLOWED_HOSTS=portail.example.fr PORTAL_BASE_URL=$${PORTAL_BASE_URL:-https://portail.example.fr} $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf var/test-* var/celery
