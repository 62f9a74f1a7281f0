"""The browser tutor (Gradio). It calls the session layer and computes nothing itself."""
