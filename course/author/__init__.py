"""Author: check the instructor's course (scenarios, notebooks, keys, fairness, coverage), fit the tone
model and second reader, and generate the student release.

It imports the bottom layer (course.course_files reads the notebooks), course.score and course.play;
never course.grade or course.export.
"""
