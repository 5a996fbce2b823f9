# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOCALES := zh fr es
CATALOGS := awards/translations

.PHONY: run test lint format bench install clean translations

AXE := $(VENV)/node/node_modules/axe-core/axe.min.js

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# axe-core, the accessibility checker the browser tests inject into each page.
$(AXE):
	npm install --silent --no-audit --no-fund --prefix $(VENV)/node axe-core@4

install: $(STAMP)

## Serve the app with demo data on http://127.0.0.1:5000 (SQLite + a local SeaweedFS).
run: $(STAMP)
	$(PY) -m awards.devstack

## The whole suite; set TEST_DATABASE_URL to run it on PostgreSQL instead of SQLite.
test: $(STAMP) $(AXE)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -q -c pyproject.toml -r awards config.py wsgi.py

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Extract every marked string, add new ones to the zh, fr and es catalogs, and compile them.
## English is the source. Commit the .po and the compiled .mo files (the app reads the .mo).
## No fuzzy matching: its guesses from similar messages were mostly wrong ("Final count" ->
## "Sign out"), and the app never shows a fuzzy entry anyway.
translations: $(STAMP)
	@mkdir -p $(CATALOGS)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --add-location=file --ignore-dirs=".* __pycache__ instance" \
	  --sort-by-file --project=awards --copyright-holder="Guangzhou Award" \
	  -o $(CATALOGS)/messages.pot .
	@for lang in $(LOCALES); do \
	  test -f $(CATALOGS)/$$lang/LC_MESSAGES/messages.po || \
	    $(VENV)/bin/pybabel init -i $(CATALOGS)/messages.pot -d $(CATALOGS) -l $$lang; \
	done
	$(VENV)/bin/pybabel update --no-fuzzy-matching -i $(CATALOGS)/messages.pot -d $(CATALOGS)
	$(VENV)/bin/pybabel compile -d $(CATALOGS) --statistics

bench: $(STAMP)
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) instance/test-* .pytest_cache
