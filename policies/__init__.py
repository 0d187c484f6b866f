"""The built-in policy packs (YAML), shipped as package data."""
