"""Image analysis: probe, edge width, perceptual hashes, verdicts, clone groups (cached).

- ``imaging``: the one decode path (analysis and preview thumbnails), reduced
  decoding, decode errors classified as :class:`imaging.DecodeError`.
- ``measure``: grayscale, dHash/pHash (plus mirrored and crop-window hashes) and
  a colour signature, in numpy; ``edges``: the blur measure (edge width).
- ``probe``: one file -> :class:`facts.ImageFacts` (never raises).
- ``analyzer``: :class:`analyzer.Analyzer`, cached in ``.lorapan/analysis.sqlite``,
  process pool, progress, cancel; ``verdicts``: blurry (dataset-relative) and low
  resolution (against the training resolution), applied to every result.
- ``clones``: :func:`clones.find_groups` -> labelled :class:`clones.CloneGroup`;
  it links pictures with ``clone_links``, labels them with ``clone_labels``, and
  both compare pairs with ``clone_compare`` (hashes), ``pixel_match`` (lenient
  colour map, crops) and ``same_picture`` (the strict clone test). Pixel
  verdicts go through ``pair_memo``; ``clone_cache`` keeps them and the last
  grouping in ``.lorapan/clones.sqlite``, by content.

Numbers behind the thresholds: docs/calibration.md.
"""
