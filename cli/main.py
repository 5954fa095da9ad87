"""Entry point: `lorapan` with no subcommand or a PATH opens the app."""
def main(argv=None) -> int:
    return 0
