"""The method's shared vocabulary: the words rules, augment and the tagger all read.

It sits below those engines (it imports only foundation modules such as captions and
settings), so each of them can use it without importing another engine.
"""
