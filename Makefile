# Huiyin: `make run` starts everything on the embedded defaults; `make test` runs the whole suite.
SHELL := /bin/bash
RASA := .venvs/rasa/bin/rasa
PY := .venvs/app/bin/python
# Rasa's telemetry would send usage events and error reports (stack traces) to Rasa's servers: never.
export RASA_TELEMETRY_ENABLED := false

.PHONY: run run-production test setup venvs model validate lint test-rasa test-python test-fast test-model test-production test-nlu nlu-report bench \
	clean-models help translations

help:
	@echo "make run    - set up (once), train if needed, start Rasa, actions, bot + web chat, scheduler"
	@echo "make run-production - the same on PostgreSQL with two Rasa replicas and web chat workers (README)"
	@echo "make test   - set up (once), lint, train if needed, run data validation, Rasa conversation tests, NLU held-out check and pytest"
	@echo "make lint   - ruff and mypy (no model needed)"
	@echo "make test-fast - the pytest tests that need no trained model (no training); make test-model - the e2e and browser ones"
	@echo "make bench  - print benchmark figures (reply latency, cold start, push throughput)"
	@echo "make translations - extract the console's, notices' and circular's strings into locale/zh/LC_MESSAGES/*.po to translate"
	@echo "make nlu-report - cross-validation and held-out evaluation per language, reports and confusion matrices in results/nlu-report"

setup venvs:
	@scripts/venv rasa
	@scripts/venv app
	@scripts/chromium
	@scripts/fonts

model: venvs
	@scripts/train

run: model
	@mkdir -p -m 700 var
	@$(PY) -m huiyin init-db
	@exec .venvs/app/bin/honcho start -f Procfile

# The production profile on this machine: PostgreSQL, two Rasa replicas, web chat workers (README).
run-production: model
	@exec scripts/run-production

validate: venvs
	$(PY) scripts/validate_data.py

test-rasa: model validate
	$(RASA) test core --stories tests/conversations -m models --fail-on-prediction-errors --out results/core

test-nlu: model
	$(PY) -m bench.nlu_heldout --check

nlu-report: model
	$(PY) -m bench.nlu_report

lint: venvs
	$(PY) -m ruff check .
	$(PY) -m mypy

# Tests marked e2e or browser start the real Rasa model; only they wait for training.
MODEL_TESTS := e2e or browser

test-fast: venvs
	$(PY) -m pytest -q -m "not ($(MODEL_TESTS))"

test-model: model
	$(PY) -m pytest -q -m "$(MODEL_TESTS)"

test-python: test-fast test-model

# The end-to-end tests again, on the production profile's back end: PostgreSQL, two Rasa replicas.
test-production: model
	HUIYIN_TEST_STACK=production $(PY) -m pytest -q -m e2e


# Lint first: it needs no model and fails in seconds.
test: lint test-rasa test-nlu test-python test-production

bench: model
	$(PY) -m bench.load
	$(PY) -m bench.reply_latency
	$(PY) -m bench.cold_start
	$(PY) -m bench.push_throughput

# Staff-facing strings: extract each domain's (locale/<domain>.cfg) and update its catalogues; then translate
# what is new or fuzzy in locale/zh/LC_MESSAGES/<domain>.po (tests/i18n fails until every string is).
translations: venvs
	@for domain in console notices circular; do \
	  .venvs/app/bin/pybabel -q extract -F locale/$$domain.cfg -k translate:2 -k translate_plural:2,3 \
	    --sort-by-file --no-wrap -o locale/$$domain.pot . && \
	  if [ -f locale/zh/LC_MESSAGES/$$domain.po ]; then \
	    .venvs/app/bin/pybabel -q update -i locale/$$domain.pot -d locale -D $$domain -l zh --no-wrap --ignore-obsolete; \
	  else .venvs/app/bin/pybabel -q init -i locale/$$domain.pot -d locale -D $$domain -l zh --no-wrap; fi; \
	done

clean-models:
	rm -rf models results
