"""The interview itself: ask → answer → grade → feedback → follow-up, one coherent exchange."""
