"""Features computed from landmark sequences, one parquet row a recording."""
