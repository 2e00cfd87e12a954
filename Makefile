# Two commands for a newcomer: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint bench catalogs clean fuzz mutation

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install whenever pyproject.toml changes. -qq hides setuptools' build warnings (an editable
# install of a package-dir layout is warned about at length); errors still show.
# The demo's install has the documents extra, so the demo writes the request form and the
# acceptance certificate as PDF too (HTML needs nothing extra).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --quiet -e '.[documents]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-fuzz: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,fuzz]'
	touch $@ $(VENV)/.installed $(VENV)/.installed-test

$(VENV)/.installed-mutation: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,mutation]'
	touch $@ $(VENV)/.installed $(VENV)/.installed-test

demo: $(VENV)/.installed
	$(BIN)/posdiag demo

test: $(VENV)/.installed-test
	$(BIN)/ruff check posdiag drivers tests bench
	$(BIN)/mypy posdiag drivers
	$(BIN)/python -m pytest -q

lint: $(VENV)/.installed-test
	$(BIN)/ruff check posdiag drivers tests bench
	$(BIN)/mypy posdiag drivers

# Fuzzing (docs/testing.md): atheris over every decoder and loader of tests/fuzz/fuzz_targets.py,
# FUZZ_SECONDS each (FUZZ_TARGETS to pick some). `make test` runs a short hypothesis slice of
# the same targets.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: $(VENV)/.installed-fuzz
	$(BIN)/python tests/fuzz/run_fuzz.py --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Mutation testing (docs/testing.md): cosmic-ray over the modules of tests/mutation/modules.toml,
# each against its own tests, in a scratch copy of the tree (MUTATION_MODULES to pick some).
MUTATION_MODULES ?=
mutation: $(VENV)/.installed-mutation
	$(BIN)/python tests/mutation/run_mutation.py $(MUTATION_MODULES)

bench: $(VENV)/.installed-test
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

# Message catalogs: extract every _() / ngettext() / N_() from the code and templates, merge
# into the .po files (new messages appear untranslated), compile the .mo files that ship.
# tests/i18n/test_catalogs.py fails until every message has a zh_CN translation and the .mo
# files match the .po files. How to add a string: docs/i18n.md.
LOCALES := posdiag/locale
catalogs: $(VENV)/.installed-test
	mkdir -p build
	$(BIN)/pybabel extract -F babel.cfg --project posdiag --version 0.1.0 \
		--add-location=file --sort-output --width 100 -o build/posdiag.pot .
	for lang in en zh_CN; do \
		if [ -f $(LOCALES)/$$lang/LC_MESSAGES/posdiag.po ]; then \
			$(BIN)/pybabel update -D posdiag -i build/posdiag.pot -d $(LOCALES) -l $$lang \
				--width 100 --ignore-obsolete --ignore-pot-creation-date --no-fuzzy-matching; \
		else \
			$(BIN)/pybabel init -D posdiag -i build/posdiag.pot -d $(LOCALES) -l $$lang \
				--width 100; \
		fi; \
	done
	$(BIN)/pybabel compile -D posdiag -d $(LOCALES) --statistics

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
