"""The analyses over experiments: comparisons, the search, the record, calibration, sensitivity."""
