"""Bundled Textual themes (TOML files), shipped as package data."""
