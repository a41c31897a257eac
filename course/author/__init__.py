"""Author: read the instructor's source assignments and generate the student release."""
