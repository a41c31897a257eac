"""The blind-round script writes every writer the kept brief and keeps only finished, well-formed files."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

HERE = Path(__file__).parent / "calibration" / "blind"
spec = importlib.util.spec_from_file_location("rounds", HERE / "rounds.py")
rounds = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rounds)


def test_every_written_exercise_gets_the_kept_brief_with_this_rounds_quotas(tmp_path):
    found = rounds.notebooks()
    assert len(found) == 11 and found["service-record"] == "09-expectations/expectations.ipynb"
    text = rounds.writer_prompt("service-record", found["service-record"], tmp_path)
    assert f"Read ONLY this file: {rounds.ROOT}/release/09-expectations/expectations.ipynb" in text
    assert f"{tmp_path}/service-record.yaml" in text and "535 answers" in text
    assert all(f"- {kind}: {n} " in text for kind, n in rounds.QUOTAS.items())
    assert "Write every answer yourself, one by one" in text and "HOW TO MARK" in text
    assert not any(mark in text for mark in ("{EX}", "{NB}", "{N}", "<clone>", "<work folder>"))


def answers(n_rude: int) -> list[dict]:
    quotas = {**rounds.QUOTAS, "rude": n_rude}
    return [{"prompt": "service-record", "kind": kind, "mark": 2, "reason": "r", "text": f"answer {kind} {i}"}
            for kind, n in quotas.items() for i in range(n)]


def test_a_writer_file_is_kept_only_when_finished_and_well_formed(tmp_path):
    path = tmp_path / "service-record.yaml"
    path.write_text(yaml.safe_dump(answers(rounds.QUOTAS["rude"])))
    assert rounds.problems(path, "service-record") == []
    (tmp_path / "service-record.part3.yaml").write_text("[]")
    assert rounds.problems(path, "service-record") == ["part files remain"]
    (tmp_path / "service-record.part3.yaml").unlink()
    path.write_text(yaml.safe_dump(answers(rounds.QUOTAS["rude"] - 1)))
    assert rounds.problems(path, "service-record") == ["534 answers", f"rude {rounds.QUOTAS['rude'] - 1}/82"]
    broken = answers(rounds.QUOTAS["rude"])
    broken[5]["mark"] = 2.25
    path.write_text(yaml.safe_dump(broken))
    assert rounds.problems(path, "service-record") == ["answer 5 malformed"]
    path.write_text("- prompt: [unclosed")
    assert rounds.problems(path, "service-record")[0].startswith("does not parse")
