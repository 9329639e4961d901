"""itam_pipeline."""
