"""Sequences that combine several engines, written once for every interface.

The CLI and the app call these instead of repeating the steps (and their order)
themselves. A workflow may import any engine below it (rules, training, augment,
tagger, analysis, dataset); no engine imports a workflow.
"""
