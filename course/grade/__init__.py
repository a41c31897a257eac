"""Grade: score answers outside the student's kernel (ranking, reflection) inside nbgrader autograde."""
