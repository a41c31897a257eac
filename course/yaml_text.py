"""YAML for the course's data (outline, scenarios, rubrics, keys): safe loading, with libyaml's
C loader when PyYAML has it, since scenarios load in every student kernel and keys for every
submission graded."""

from __future__ import annotations

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
YAMLError = yaml.YAMLError


def load(text: str):
    """Parse YAML text safely (no Python objects); raises YAMLError on bad input."""
    return yaml.load(text, Loader=LOADER)
