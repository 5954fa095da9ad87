"""Limited datasets: crops, altered clones, collages."""

#: What ``lorapan augment`` alters by default; here, not in :mod:`.alter`, so the
#: command line lists it without importing Pillow.
ALL_ALTERATIONS = "aspect,rotate,flip,colour,grayscale,quality"
#: What each crop's one altered clone is taken from, in turn, when ``--crops`` is given
#: without ``--alter``: the guide's angle, aspect ratio, orientation and colour overlay,
#: and grayscale (the source gets its grayscale copy too).
CROP_CLONES = "rotate,aspect,flip,tint,grayscale"
#: ``--each``: every alteration on every image, or one altered clone per crop
EACH_ALL, EACH_ONE = "all", "one"
