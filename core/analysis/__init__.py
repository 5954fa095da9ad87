"""Image analysis: probe, sharpness, perceptual hashes, clone groups (cached).

- ``imaging``: the one decode path (analysis and preview thumbnails), reduced
  decoding, decode errors classified as :class:`imaging.DecodeError`.
- ``measure``: sharpness, grayscale, dHash/pHash (plus mirrored and crop-window
  hashes) and a colour signature, in numpy.
- ``probe``: one file -> :class:`facts.ImageFacts` (never raises).
- ``analyzer``: :class:`analyzer.Analyzer`, cached in ``.lorapan/analysis.sqlite``,
  process pool, progress, cancel.
- ``clones``: :func:`clones.find_groups` -> labelled :class:`clones.CloneGroup`;
  it links pictures with ``clone_links``, labels them with ``clone_labels``, and
  both compare pairs with ``clone_compare``.
"""
