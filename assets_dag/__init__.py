"""assets_dag."""
