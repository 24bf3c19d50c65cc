"""JSON Schemas of Callboard's JSON outputs, generated from engine/artifacts.py."""
