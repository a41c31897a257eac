"""The `course` command: clear errors and a non-zero exit when something is wrong."""

import shutil
import subprocess
import sys

import nbformat

COURSE = [sys.executable, "-m", "course.cli"]


def run(*args, cwd):
    return subprocess.run([*COURSE, *args], cwd=cwd, capture_output=True, text=True)


def test_not_a_course_folder_says_how_to_fix(tmp_path):
    proc = run("demo", "--workdir", str(tmp_path / "w"), cwd=tmp_path)
    assert proc.returncode == 1
    assert "is not a course folder" in proc.stderr and "--course-dir" in proc.stderr


def test_check_passes_on_the_shipped_course(root):
    proc = run("check", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "0 problem(s), 0 coverage gap(s)" in proc.stdout


def _copy_course(root, dest):
    shutil.copy(root / "nbgrader_config.py", dest / "nbgrader_config.py")
    shutil.copytree(root / "source", dest / "source")
    return next((dest / "source").rglob("*.ipynb"))


def test_check_names_the_notebook_with_a_broken_key(root, tmp_path):
    nb_path = _copy_course(root, tmp_path)
    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        if "course-key:" in cell.source:
            cell.source = cell.source.replace("kind: ranking", "kind: essay")
    nbformat.write(nb, nb_path)
    proc = run("check", cwd=tmp_path)
    assert proc.returncode == 1
    assert nb_path.name in proc.stderr and "'kind' of ranking, reflection" in proc.stderr


def test_demo_stops_with_the_failed_step_named(root, tmp_path):
    nb_path = _copy_course(root, tmp_path)
    nb_path.write_text("{ this is not a notebook")
    proc = run("demo", "--workdir", str(tmp_path / "w"), cwd=tmp_path)
    assert proc.returncode == 1
    assert "nbgrader generate_assignment" in proc.stderr and "failed" in proc.stderr


def test_demo_never_deletes_a_folder_it_did_not_make(root, tmp_path):
    keep = tmp_path / "precious.txt"
    keep.write_text("my notes")
    proc = run("demo", "--workdir", str(tmp_path), cwd=root)
    assert proc.returncode == 1
    assert "was not made by `course demo`" in proc.stderr and "nothing was deleted" in proc.stderr
    assert keep.read_text() == "my notes"


def _write_yaml(path, data):
    import yaml

    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_check_on_a_broken_scenario_set_names_file_and_node(scenario_data, tmp_path):
    import copy

    folder = tmp_path / "scenarios"
    folder.mkdir()
    good = copy.deepcopy(scenario_data)  # a good one, for contrast: it also keeps the fairness and shape rules
    good["shuffle"] = True
    good["setting"] = "chat"
    good["nodes"]["a"]["choices"][1]["text"] = "Acronyms, and then some more acronyms"
    good["nodes"]["b"]["choices"][0]["next"] = "c"  # a third decision on the best path
    good["nodes"]["c"] = {"text": "The customer thanks you.", "choices": [
        {"text": "Ask what else they need", "next": "good", "score": 2, "feedback": "Kind.",
         "objectives": ["attitude"]},
        {"text": "Go", "next": "ok", "score": 1, "feedback": "Abrupt.", "objectives": ["attitude"]},
        {"text": "Close the ticket without a word to them", "next": "bad", "score": 0, "feedback": "Cold.",
         "objectives": ["attitude"]},
    ]}
    _write_yaml(folder / "tiny.yaml", good)
    looped = copy.deepcopy(scenario_data)
    looped["id"] = "looped"
    looped["nodes"]["b"]["choices"][0]["next"] = "a"
    _write_yaml(folder / "looped.yaml", looped)
    orphan = copy.deepcopy(scenario_data)
    orphan["id"] = "orphan"
    orphan["nodes"]["lonely"] = {"ending": {"title": "t", "text": "t", "summary": "s"}}
    orphan["nodes"]["a"]["choices"][1]["feedback"] = ""
    _write_yaml(folder / "orphan.yaml", orphan)
    _write_yaml(folder / "renamed.yaml", scenario_data)  # id 'tiny' in renamed.yaml
    (folder / "broken.yaml").write_text("id: broken\nnodes: [unclosed\n")
    proc = run("check", "--scenarios", str(folder), cwd=tmp_path)
    assert proc.returncode == 1
    errors = proc.stderr.splitlines()
    expected = [
        ("looped.yaml", "node 'b' loops back (a -> b -> a)"),
        ("orphan.yaml", "node 'lonely' is unreachable"),
        ("orphan.yaml", "node 'a', choice 2 has no feedback"),
        ("renamed.yaml", "id 'tiny' differs from the file name"),
        ("broken.yaml", "not valid YAML"),
    ]
    shape = [("renamed.yaml", "it has 2 decision points (nodes with choices); write at least 3"),
             ("renamed.yaml", "the top level names no 'setting'")]  # `course check` holds drafts to the course's shape
    for file_name, message in expected + shape:
        assert any(file_name in e and message in e for e in errors), (file_name, message, proc.stderr)
    assert not any("tiny.yaml" in e for e in errors)
    assert "5 scenario(s)" in proc.stdout


def test_check_names_a_notebook_that_shows_a_missing_scenario(root, tmp_path):
    nb_path = _copy_course(root, tmp_path)
    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        cell.source = cell.source.replace('show("proper-language-printer")', 'show("no-such-scenario")')
    nbformat.write(nb, nb_path)
    proc = run("check", cwd=tmp_path)
    assert proc.returncode == 1
    assert nb_path.name in proc.stderr and "shows scenario 'no-such-scenario'" in proc.stderr


def test_scenario_show_writes_a_png(tmp_path):
    from course.play.scenario import scenario_ids

    for sid in scenario_ids():
        proc = run("scenario", "show", sid, "--out", str(tmp_path / f"{sid}.png"), cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert (tmp_path / f"{sid}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    proc = run("scenario", "show", "no-such-id", cwd=tmp_path)
    assert proc.returncode == 1 and "no such scenario" in proc.stderr


def test_grade_stops_on_a_broken_second_reader_saying_how_to_fix_it(root, tmp_path):
    _copy_course(root, tmp_path)
    (tmp_path / "source" / "second-reader.json").write_text("{not json", encoding="utf-8")
    proc = run("grade", "01-appearance", cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "second-reader.json is not a second reader" in proc.stderr and "course.author.second_reader" in proc.stderr
