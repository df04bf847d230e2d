"""Search layer: keyword (Whoosh), semantic (embeddings + FAISS) and their hybrid, over the content layer."""
