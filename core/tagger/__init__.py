"""WD14-family ONNX autotagger."""
