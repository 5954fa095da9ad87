"""Kohya training: presets, step math, config, detached runs, log parsing."""
