"""Export: gradebook rows as files graders can open safely."""
