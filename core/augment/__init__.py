"""Limited datasets: crops, altered clones, collages."""

#: What ``lorapan augment`` alters by default; here, not in :mod:`.alter`, so the
#: command line lists it without importing Pillow.
ALL_ALTERATIONS = "aspect,rotate,flip,colour,grayscale,quality"
