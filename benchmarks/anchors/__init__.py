"""Plain scripts the command-line benchmarks run as whole processes: what a TD would write."""
