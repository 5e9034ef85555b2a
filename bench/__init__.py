"""Performance benchmarks for `make bench`: each prints measurements next to a baseline from the same run."""
