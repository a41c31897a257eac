"""Score: the pure scoring of an answer (ranking, reflection and the wording, tone, conduct and
readability it reads), the answer payload a test cell emits, and the second reader.

Student kernels import it (through course.record) and so does autograde. It imports only the bottom
layer (course.errors, course.keys, course.settings, course.yaml_text, ...) and itself: never
course.grade, course.author, course.export or course.play, and nothing that needs nbgrader.
"""
