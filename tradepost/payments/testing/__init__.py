"""Test doubles for payment providers; used by tests, benchmarks and `make demo`, never in production."""
