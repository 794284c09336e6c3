"""Write docs/student-transcript.md from a real run: a new student's first session with a bundle.

    .venv/bin/python scripts/student_transcript.py [--work /tmp/handout] [--out docs/student-transcript.md]

What it does, as a student and an instructor would: ``torchdrill release`` builds the bundle, the
bundle's ``install.sh`` installs it into a fresh virtual environment (``TORCH_INDEX_URL=`` empty lets
pip use the machine's own mirror, as noted in the transcript), the checker runs on the untouched
exercises, one function is filled in wrongly and one rightly, the checker runs in Korean and in
English, the mistake is fixed and the checker runs again.  Every console block is the command's real
output; only the work folder is shown as ``/tmp/handout``.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHAPTER = "ex05_no_grad"
STUB_LINE = '    raise NotImplementedError("아직 구현하지 않았습니다 / not implemented yet")'
WRONG = {"eval_no_grad": "    return f(x).detach()", "detach": "    return y.detach()"}
FIXED = {"eval_no_grad": "    with torch.no_grad():\n        return f(x)"}


def run(cmd: list[str] | str, cwd: Path, env: dict[str, str] | None = None) -> tuple[str, int]:
    proc = subprocess.run(cmd, cwd=cwd, shell=isinstance(cmd, str), capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "88", "TERM": "dumb", **(env or {})})
    return (proc.stdout + proc.stderr).rstrip(), proc.returncode


def block(command: str, output: str, code: int | None = None, *, work: Path) -> str:
    text = "\n".join(line.rstrip() for line in output.replace(str(work), "/tmp/handout").splitlines())
    status = f"\n[exit status {code}]" if code is not None else ""
    return f"\n```console\n$ {command}\n{text}{status}\n```\n"


def fill(path: Path, name: str, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` (whole lines) inside function ``name``."""
    text = path.read_text(encoding="utf-8")
    start = text.index(f"\ndef {name}(")
    at = text.index("\n" + old + "\n", start) + 1
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--work", type=Path, default=Path("/tmp/handout"))
    p.add_argument("--out", type=Path, default=REPO / "docs" / "student-transcript.md")
    args = p.parse_args()
    work = args.work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    bundle = work / "pytorch-basics"
    torchdrill = str(REPO / ".venv" / "bin" / "torchdrill")
    out = [HEADER.format(python=platform.python_version())]

    text, code = run([torchdrill, "release", str(bundle)], REPO)
    if code:
        print(text, file=sys.stderr)
        return code
    out.append(block(f"torchdrill release {bundle}", text, work=work))
    files, _ = run("find . -type f | sort", bundle)
    out.append(BUNDLE_FILES + block("find . -type f | sort", files, work=work))

    text, code = run("bash install.sh", bundle, {"TORCH_INDEX_URL": ""})
    quiet = "\n".join(line for line in text.splitlines() if "WARNING: Location" not in line)
    if code:
        print(text[-3000:], file=sys.stderr)
        return code
    out.append(INSTALL + block("TORCH_INDEX_URL= bash install.sh", quiet, work=work))

    check = str(bundle / ".venv" / "bin" / "torchdrill")
    text, code = run([check, "check"], bundle)
    out.append(FIRST_CHECK + block(".venv/bin/torchdrill check", text, code, work=work))

    exercise = bundle / "exercises" / f"{CHAPTER}.py"
    before = exercise.read_text(encoding="utf-8")
    for name, body in WRONG.items():
        fill(exercise, name, STUB_LINE, body)
    diff = subprocess.run(["diff", "-U2", "/dev/stdin", str(exercise)], input=before, capture_output=True,
                          text=True).stdout.split("\n", 2)[2]
    diff = "\n".join(line.rstrip() for line in diff.rstrip().splitlines())
    out.append(WRONG_AND_RIGHT + f"\n```diff\n{diff}\n```\n")
    text, code = run([check, "check", CHAPTER], bundle)
    out.append(IN_KOREAN + block(f".venv/bin/torchdrill check {CHAPTER}", text, code, work=work))
    text, code = run([check, "check", CHAPTER, "--lang", "en"], bundle)
    out.append(IN_ENGLISH + block(f".venv/bin/torchdrill check {CHAPTER} --lang en", text, code, work=work))

    fill(exercise, "eval_no_grad", WRONG["eval_no_grad"], FIXED["eval_no_grad"])
    out.append(AFTER_FIX)
    for extra in ([], ["--lang", "en"]):
        text, code = run([check, "check", CHAPTER, *extra], bundle)
        out.append(block(" ".join([".venv/bin/torchdrill check", CHAPTER, *extra]), text, code, work=work))
    out.append(FOOTER)
    args.out.write_text("\n".join(out), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


HEADER = """# 학생 체험 기록 / A new student's first session

이 기록은 `torchdrill release`로 만든 배포본을 처음 받은 학생이 README의 두 명령으로 설치하고,
한 함수는 틀리게 한 함수는 맞게 채운 뒤 한국어와 영어로 검사기를 실행한 과정을 그대로 옮긴 것입니다.
Recorded from a real run by `scripts/student_transcript.py`: the bundle made by `torchdrill release`,
installed with its `install.sh` in a fresh virtual environment, one function filled in wrongly and
one rightly, the checker run in Korean and in English. Nothing below is edited except the work
folder, shown as `/tmp/handout`, and pip's warnings about this machine's mirror, left out.

Machine: Linux, Python {python}, CPU only. This machine reaches packages through a local mirror, so
`TORCH_INDEX_URL=` (empty) was set to let pip use it; on a student's machine `install.sh` takes the
CPU build of torch from the PyTorch index by default.

## 0. 강사 / Instructor: making the bundle
"""

BUNDLE_FILES = """What the student gets (no `solutions/`, no `tests/`, only visible checks in `graders/`):
"""

INSTALL = """## 1. 설치 / Set up (README, command 1)
"""

FIRST_CHECK = """## 2. 처음 검사 / First check (README, command 2)

Nothing is written yet, so every function with a visible check is *not implemented yet*; the
summary says how many checks are hidden. Korean is the course's default language (`course.yml`).
아직 아무것도 쓰지 않았으므로 공개된 검사가 있는 함수는 모두 "아직 구현하지 않음"입니다.
"""

WRONG_AND_RIGHT = """## 3. 한 함수는 틀리게, 한 함수는 맞게 / One function wrong, one right

The student writes `eval_no_grad` by detaching afterwards (a plausible mistake: the value is right,
but the graph was recorded anyway) and `detach` correctly:
`eval_no_grad`는 계산한 뒤에 떼어 내는 흔한 실수로, `detach`는 올바르게 작성했습니다.
"""

IN_KOREAN = """### 한국어 (기본) / In Korean (the default)

Every line a student reads is Korean: the check's title, the summary, what was expected, what came
back and the hint; code and API names stay as the student types them.
검사 제목, 요약, 기대한 값, 받은 값, 힌트가 모두 한국어이고, 코드와 API 이름만 입력하는 그대로 둡니다.
"""

IN_ENGLISH = """### In English

The same result in English (`--lang en`): the grader states each message once, as data, and the
checker renders it in the student's language.
"""

AFTER_FIX = """## 4. 고친 뒤 / After the fix

The hint says to put the call itself inside a `torch.no_grad()` block; the student does, and checks
again. Every visible check passes — and the checker still says that hidden checks remain, so it
never reads as full marks.
힌트대로 호출 자체를 `torch.no_grad()` 블록 안에 넣고 다시 확인합니다. 공개된 검사는 모두 통과했지만,
숨겨진 검사가 남아 있다는 것을 분명히 알려 줍니다.
"""

FOOTER = """Exit status 0 only when every visible check passed; 1 otherwise (so scripts and editors can use it).
"""

if __name__ == "__main__":
    sys.exit(main())
