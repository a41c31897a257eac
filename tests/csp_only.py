"""A server extension for measuring the Content-Security-Policy alone: the guard's page policies,
without its sanitizing exporter or its escaping (tests/test_grader_view.py loads it)."""

from course.grade.formgrader_guard import GuardPages


def _jupyter_server_extension_points():
    return [{"module": "csp_only"}]


def _load_jupyter_server_extension(serverapp) -> None:
    GuardPages.base_url = serverapp.web_app.settings.get("base_url", "/")
    serverapp.web_app.transforms.insert(0, GuardPages)
