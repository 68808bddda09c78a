"""Streamlit-only helpers shared by app.py and pages/ (never imported by core/)."""
