"""``make bench``: how fast the pipeline is at 100k and 1M records, next to floors and peers.

Floors are the least work any loader must do (one binary COPY, one Parquet read, one sweep of
the source pages); peers are other ways to load the same rows (dlt merge, naive ORM merge).
``python -m benchmarks.run --help`` lists the options; ``docs/benchmarks.md`` holds the last run.
"""
