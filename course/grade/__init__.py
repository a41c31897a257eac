"""Grade: the nbgrader side of grading. The autograde steps (scoring_steps, restore, inert, limits,
safe_execute, model_answers, intake and the config that lists them), running a class (batch, the
sandbox and its kernel init, the gradebook), and what graders use afterwards (review, similar,
formgrader_guard).

It imports the bottom layer (course.errors, course.keys, course.settings, course.course_files, ...) and
course.score; never course.author, course.play or course.export.
"""
