"""Rules engine: the methodology as checks with stable ids and fixes."""
