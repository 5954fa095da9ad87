"""The dataset engine: no UI imports (enforced by tests/test_import_hygiene.py)."""
