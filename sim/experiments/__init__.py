"""The experiments: designs of runs, the runner and backends, the results store, ensembles."""
