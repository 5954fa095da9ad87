"""Limited datasets: crops, altered clones, collages."""
