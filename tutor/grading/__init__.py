"""Grading: the question bank, key points, and (to come) the offline and LLM graders."""
