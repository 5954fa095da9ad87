"""CLI subcommands: each module defines NAME, ORDER and register(subparsers)."""
