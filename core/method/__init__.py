"""The method's shared vocabulary: word lists and kind profiles the rules and the tagger read.

It sits below both engines (it imports only foundation modules such as captions and
settings), so each can use it without importing the other.
"""
