"""Batch evaluation of retrieval (and, later, grading) against the datasets in `eval/`."""
