"""The course package, in layers that import one way (tests/test_layers.py holds them to it).

- The bottom layer, the modules here: errors, yaml_text, safe_text, outline, keys (answer keys),
  settings (scoring.yaml, conduct.yaml), course_files (the course folder and its notebooks) and
  programs (the environment's own programs on PATH).
  They import nothing of course but each other.
- score: how an answer is scored; play: the scenarios. Each on the bottom layer only.
- record: what a student's check cell calls, on score.
- grade (the nbgrader side) on score; author (checking and building the course) on score and play.
  Neither imports the other.
- export on grade and play; the entry points cli and demo on anything.
"""
