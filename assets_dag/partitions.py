"""Partitions: one dynamic partition per dropped file (``<feed>/<file name>``)."""

import dagster as dg

file_drop_partitions = dg.DynamicPartitionsDefinition(name="file_drops")
