"""Image analysis: probe, sharpness, perceptual hashes, clone groups (cached)."""
