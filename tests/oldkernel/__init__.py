"""The old-kernel suite's parts: kernels fetched, a VM booted, its records checked (tests/README.md)."""
