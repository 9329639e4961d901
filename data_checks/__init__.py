"""Data quality for the ITAM pipeline.

* ``suites`` - Great Expectations suites as code (normalized records, golden assets);
* ``gx_runner`` - validates a pandas frame against a suite in an ephemeral GX context;
* ``scorecard`` - per-source quality figures;
* ``guards`` - guardrail computations (duplicate active serials, completeness gate);
* ``asset_checks`` - the only Dagster module: factories that turn the above into asset checks.
"""

import os

# GX 1.x sends usage analytics unless told otherwise, and reads the switch once at import time,
# so it must be set before any submodule imports great_expectations. An explicit opt-in by the
# operator (the variable already set) is respected.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
