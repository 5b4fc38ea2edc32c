"""Speed and quality benchmarks against named anchors; run with ``make bench``."""
