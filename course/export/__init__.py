"""Export: gradebook rows as files graders can open safely (CSV, LMS imports, the report).

It sits above grade: it may import the bottom layer, course.grade (the gradebook and course directory)
and course.play (the scenario logs of the report); never course.author. Within it, base is what the
exporters share, csv_export and lms never import each other, and formats lists them both.
"""

# The `course export --format` names, kept here so the CLI can list them without importing
# nbgrader (about 3 s); formats.exporters() maps each to its class, and a test keeps the two equal.
FORMATS = ("grades", "objectives-long", "objectives-wide", "canvas", "moodle", "brightspace")
