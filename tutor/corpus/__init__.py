"""The knowledge base: cleaned study notes and the chunks retrieval works on."""
