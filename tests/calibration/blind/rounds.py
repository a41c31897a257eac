"""Run a blind calibration round: writers' prompts, their files, sentence labels, retiring and sealing.

    python tests/calibration/blind/rounds.py prompts 18 abcdefghi   # one writer prompt per exercise and part
    python tests/calibration/blind/rounds.py collect 18             # keep finished writer files in writing/
    python tests/calibration/blind/rounds.py label-chunks 17        # the sealed round's rude and mistaken answers
    python tests/calibration/blind/rounds.py collect-labels 17      # keep finished label files in tone/labelling/
    python tests/calibration/blind/rounds.py retire 17              # the scored round joins development
    python tests/calibration/blind/rounds.py seal 18                # the written round becomes validation/

Helpers work in /work/roundNNp/ and /work/labelNN/, outside the clone, and never see the rubric, the keys or
each other's files; what they finish is copied into the clone at once, since work outside it does not survive a
session. The briefs are the ones kept in BRIEFS.md, so a change of brief is a change to that file.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml

from course.score.wording import sentences

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
WORK = Path("/work")
LABELLING = HERE.parent / "tone" / "labelling"
# Round 14's second-part quotas for 535 answers per writer, used by every part since.
QUOTAS = {"excellent": 60, "excellent-unusual": 81, "missing-one": 48, "partial": 60, "vague": 41, "off-topic": 41,
          "rude": 82, "serious-mistake": 65, "keyword-fragments": 21, "non-native": 19, "rambling": 10, "copied": 7}
KEYS = {"prompt", "kind", "mark", "reason", "text"}
CHUNK = 700  # answers per labeller


def brief(section: str) -> str:
    text = (HERE / "BRIEFS.md").read_text("utf-8")
    return text.split(section, 1)[1].split("\n## ", 1)[0].strip() + "\n"


def notebooks() -> dict[str, str]:
    """Each written exercise's release notebook, found by its record_reflection call."""
    found = {}
    for path in sorted((ROOT / "release").glob("*/*.ipynb")):
        for ex in re.findall(r'record_reflection\(\\"([a-z-]+)\\"', path.read_text("utf-8")):
            found[ex] = str(path.relative_to(ROOT / "release"))
    return found


def writer_prompt(ex: str, notebook: str, folder: Path) -> str:
    body = brief("## Writer and marker brief (round 11; quotas for 361 answers per exercise)")
    for kind, n in QUOTAS.items():
        body, done = re.subn(rf"^- {re.escape(kind)}: \d+ ", f"- {kind}: {n} ", body, flags=re.M)
        assert done == 1, kind
    body = body.replace("Never reuse a sentence across answers.", "Never reuse a sentence across answers. Write every "
                        "answer yourself, one by one: do not generate answers by a script, a template or by swapping "
                        "words in stock sentences, and vary how each rude or mistaken answer goes wrong (what is "
                        "said, where in the answer, how bluntly).")
    return (body.replace("{NB}", notebook).replace("{EX}", ex).replace("{N}", str(sum(QUOTAS.values())))
            .replace("<clone>", str(ROOT)).replace("<work folder>", str(folder)))


def prompts(round_: int, parts: str) -> None:
    for part in parts:
        folder = WORK / f"round{round_}{part}"
        folder.mkdir(exist_ok=True)
        for ex, notebook in notebooks().items():
            (folder / f"prompt-{ex}.txt").write_text(writer_prompt(ex, notebook, folder), "utf-8")
    print(f"{len(parts) * len(notebooks())} prompts in {WORK}/round{round_}[{parts}]/")


def problems(path: Path, ex: str) -> list[str]:
    """Why a writer's file cannot be used yet (empty when it can)."""
    if list(path.parent.glob(f"{ex}.part*")):
        return ["part files remain"]
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except yaml.YAMLError as error:
        return [f"does not parse: {str(error).splitlines()[0]}"]
    kinds = Counter(a.get("kind") for a in data)
    found = [f"{len(data)} answers"] if len(data) != sum(QUOTAS.values()) else []
    found += [f"{kind} {kinds[kind]}/{QUOTAS.get(kind, 0)}" for kind in set(kinds) | set(QUOTAS)
              if kinds[kind] != QUOTAS.get(kind, 0)]
    found += [f"answer {n} malformed" for n, a in enumerate(data)
              if set(a) != KEYS or a["prompt"] != ex or not isinstance(a["mark"], int | float)
              or not 0 <= a["mark"] <= 4 or (a["mark"] * 2) % 1 or not str(a["text"]).strip()]
    return found


def collect(round_: int) -> None:
    kept = HERE / "writing" / f"round{round_}"
    kept.mkdir(parents=True, exist_ok=True)
    for folder in sorted(WORK.glob(f"round{round_}?")):
        part = folder.name[-1]
        for prompt in sorted(folder.glob("prompt-*.txt")):
            ex = prompt.stem.removeprefix("prompt-")
            path, dst = folder / f"{ex}.yaml", kept / f"{ex}.{part}.yaml"
            if dst.exists() or not path.exists():
                continue
            if found := problems(path, ex):
                print(f"{part} {ex}: not yet: {'; '.join(found[:6])}")
            else:
                shutil.copy(path, dst)
                print(f"{part} {ex}: kept as {dst.relative_to(ROOT)}")
    done = sorted(kept.glob("*.yaml"))
    print(f"{len(done)} writer files kept for round {round_}")


def label_chunks(round_: int) -> None:
    """The sealed round's rude and serious-mistake answers, split into sentences, in chunks for labellers."""
    items = []
    for path in sorted((HERE / "validation").glob("*.yaml")):
        for n, a in enumerate(yaml.safe_load(path.read_text("utf-8"))):
            if a["kind"] in ("rude", "serious-mistake"):
                items.append({"id": f"{path.stem}#{n}", "kind": a["kind"], "mark": a["mark"], "reason": a["reason"],
                              "sentences": {i + 1: s for i, s in enumerate(sentences(a["text"]))}})
    chunks = [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]
    if len(chunks) > 1 and len(chunks[-1]) < CHUNK // 2:
        chunks[-2] += chunks.pop()
    out = WORK / f"label{round_}"
    out.mkdir(exist_ok=True)
    rules = brief("## Sentence-labelling brief").split("For each item, list the numbers", 1)[1].rstrip()
    for k, chunk in enumerate(chunks):
        path = out / f"chunk{k:02d}.yaml"
        path.write_text(yaml.safe_dump(chunk, allow_unicode=True, sort_keys=False, width=10000), "utf-8")
        (out / f"prompt{k:02d}.txt").write_text(f"""\
You are labelling sentences for a tone model in a course on professional communication for IT support
technicians. The file {path} is a YAML list of {len(chunk)} student answers (kinds rude and serious-mistake), each
with its id, kind, the teacher's hand mark (0-4) and one-line reason, and its sentences numbered from 1.
Read ONLY that file (read it in pieces if it is long) and write ONLY {out}/chunk{k:02d}.labels.yaml.

For each item, list the numbers{rules}

OUTPUT: a YAML mapping from every item's id (quoted) to its list of sentence numbers, e.g.
"appearance-advice#12": [2, 5]
"appearance-advice#14": []
One line per item, every id of the file exactly once, in the file's order. Decide each item yourself by reading
its sentences and reason: do not label by a script or by keyword matching (a script is fine only to check that
your output parses and that every id is present once). Keep any check scripts and their outputs in a private
folder under /tmp (e.g. /tmp/$RANDOM-yours/). Reply with just the number of items and of labelled sentences.
""", "utf-8")
    print(f"{len(items)} answers in {len(chunks)} chunks in {out}/")


def collect_labels(round_: int) -> None:
    kept = LABELLING / f"round{round_}"
    kept.mkdir(parents=True, exist_ok=True)
    for chunk in sorted((WORK / f"label{round_}").glob("chunk??.yaml")):
        labels, dst = chunk.with_name(chunk.stem + ".labels.yaml"), kept / (chunk.stem + ".labels.yaml")
        if dst.exists() or not labels.exists():
            continue
        sizes = {item["id"]: len(item["sentences"]) for item in yaml.safe_load(chunk.read_text("utf-8"))}
        try:
            got = yaml.safe_load(labels.read_text("utf-8"))
        except yaml.YAMLError as error:
            print(f"{chunk.stem}: does not parse: {str(error).splitlines()[0]}")
            continue
        wrong = [i for i, nums in got.items() if i not in sizes or any(not 1 <= n <= sizes[i] for n in nums)]
        if list(got) != list(sizes) or wrong:
            print(f"{chunk.stem}: not yet: {len(got)} ids for {len(sizes)}, {len(wrong)} out of range")
            continue
        shutil.copy(labels, dst)
        print(f"{chunk.stem}: kept, {sum(map(len, got.values()))} sentences labelled")


def retire(round_: int) -> None:
    """The scored round joins development: its files move, and its labels join development-labels.yaml."""
    labels: dict[str, list[int]] = {}
    for path in sorted((LABELLING / f"round{round_}").glob("*.labels.yaml")):
        labels.update(yaml.safe_load(path.read_text("utf-8")))
    validation = sorted((HERE / "validation").glob("*.yaml"))
    wanted = {f"{p.stem}#{n}" for p in validation for n, a in enumerate(yaml.safe_load(p.read_text("utf-8")))
              if a["kind"] in ("rude", "serious-mistake")}
    if missing := wanted - set(labels):
        raise SystemExit(f"{len(missing)} answers have no labels yet, e.g. {sorted(missing)[0]}")
    entries, empty = [], 0
    for path in validation:
        name = f"{path.stem}.round{round_}-validation.yaml"
        for n, answer in enumerate(yaml.safe_load(path.read_text("utf-8"))):
            if (nums := labels.get(f"{path.stem}#{n}")) is None:
                continue
            parts = sentences(answer["text"])
            if not nums:
                empty += 1
                continue
            entries.append({"file": name, "answer": n, "unprofessional": [parts[i - 1] for i in sorted(set(nums))]})
        subprocess.run(["git", "mv", str(path), str(HERE / "development" / name)], check=True, cwd=ROOT)
    with (HERE.parent / "tone" / "development-labels.yaml").open("a", encoding="utf-8") as out:
        out.write(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=115))
    print(f"round {round_}: {len(validation)} files to development, {len(entries)} answers labelled "
          f"({sum(len(e['unprofessional']) for e in entries)} sentences), {empty} left empty")


def seal(round_: int) -> None:
    """Join the round's writer files into validation/, dropping answers that repeat development or each other."""
    if list((HERE / "validation").glob("*.yaml")):
        raise SystemExit("validation/ still holds a round: retire it first")
    seen = {str(a["text"]).strip() for p in (HERE / "development").glob("*.yaml")
            for a in yaml.safe_load(p.read_text("utf-8"))}
    files = sorted((HERE / "writing" / f"round{round_}").glob("*.yaml"))
    by_ex: dict[str, list[dict]] = {}
    dropped = 0
    for path in files:
        for answer in yaml.safe_load(path.read_text("utf-8")):
            text = str(answer["text"]).strip()
            if text in seen:
                dropped += 1
                continue
            seen.add(text)
            by_ex.setdefault(path.name.split(".")[0], []).append({k: answer[k] for k in
                                                                   ("prompt", "kind", "mark", "reason", "text")})
    (HERE / "validation").mkdir(exist_ok=True)
    for ex, answers in sorted(by_ex.items()):
        (HERE / "validation" / f"{ex}.yaml").write_text(
            yaml.safe_dump(answers, allow_unicode=True, sort_keys=False, width=115), "utf-8")
    total = sum(map(len, by_ex.values()))
    print(f"round {round_}: {len(files)} writer files, {total} answers sealed, {dropped} repeats dropped; "
          f"per exercise {min(map(len, by_ex.values()))}-{max(map(len, by_ex.values()))}")


if __name__ == "__main__":
    command, number, *rest = sys.argv[1:]
    {"prompts": lambda: prompts(int(number), rest[0]), "collect": lambda: collect(int(number)),
     "label-chunks": lambda: label_chunks(int(number)), "collect-labels": lambda: collect_labels(int(number)),
     "retire": lambda: retire(int(number)), "seal": lambda: seal(int(number))}[command]()
