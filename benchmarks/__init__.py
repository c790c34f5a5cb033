"""Benchmarks run by make bench and make load (see the README)."""
