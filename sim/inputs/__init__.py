"""The inputs: a commune's data folder and a scenario file, read, checked and fingerprinted."""
