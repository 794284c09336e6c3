#!/usr/bin/env bash
# The Gradescope autograder zip on a clean operating system, end to end:
#   1. a fresh Debian root (debootstrap, minbase: no Python in it),
#   2. /autograder laid out as Gradescope does: the zip unpacked into /autograder/source,
#      run_autograder copied to /autograder/run_autograder, results/ and submission/ empty,
#   3. setup.sh run from nothing inside the root, as root, from /autograder/source,
#   4. run_autograder on a right, a half-right and a hostile submission (examples/), as root,
#   5. every results.json checked against Gradescope's schema (tests/test_gradescope_zip.py).
# Run as root from the repository (its .venv builds the zip and validates the results):
#   sudo scripts/try_gradescope.sh [WORKDIR]          (default /tmp/torchdrill-gradescope)
# Settings (environment):
#   SUITE, MIRROR                  Debian release and mirror (bookworm, http://deb.debian.org/debian)
#   ONLY                           grade one chapter (torchdrill gradescope --only); default: the whole course
#   REF                            a commit to build the zip from (git archive: engine, course, examples);
#                                  default: the working tree as it is
#   TORCHDRILL_TORCH_INDEX_URL     passed to setup.sh (default there: PyTorch's CPU index)
#   TORCHDRILL_TORCH_FIND_LINKS    a host folder of wheels, copied into the root as /wheels and
#                                  given to setup.sh (for a machine that cannot reach PyTorch's index)
#   HOST_CA                        a CA bundle pip inside the root should trust (default: PIP_CERT)
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(realpath -m "${1:-/tmp/torchdrill-gradescope}")"
SUITE="${SUITE:-bookworm}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
ONLY="${ONLY:-}"
REF="${REF:-}"
HOST_CA="${HOST_CA:-${PIP_CERT:-}}"
PY="$REPO/.venv/bin/python"
ROOT="$WORK/root"
step() { printf '\n==> %s\n' "$*"; }

[ "$(id -u)" = 0 ] || { echo "try_gradescope.sh: run as root (debootstrap and chroot need it)" >&2; exit 1; }
[ -x "$PY" ] || { echo "try_gradescope.sh: no $PY; run scripts/bootstrap first" >&2; exit 1; }

cleanup() {
    for m in dev/pts dev proc sys ""; do
        mountpoint -q "$ROOT/$m" 2>/dev/null && umount -l "$ROOT/$m"
    done
    return 0
}
trap cleanup EXIT

step "host: $(. /etc/os-release; echo "$PRETTY_NAME"), $(uname -srm)"
if ! command -v debootstrap >/dev/null; then
    step "apt-get install debootstrap"
    apt-get update -q && apt-get install -y -q debootstrap
fi

step "a fresh Debian root: debootstrap --variant=minbase $SUITE $ROOT"
cleanup
rm -rf "$WORK"
mkdir -p "$WORK"
debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR" > "$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log"; exit 1; }
tail -1 "$WORK/debootstrap.log"
chroot "$ROOT" sh -c 'command -v python3 || echo "no python3 in the fresh root"'
# Gradescope's / is a container's root, a mount point: so is this one (the sandbox makes its
# mounts private, which needs / to be a mount point)
mount --bind "$ROOT" "$ROOT"
mount -t proc proc "$ROOT/proc"
mount -t sysfs sys "$ROOT/sys"
mount --bind /dev "$ROOT/dev"
mount --bind /dev/pts "$ROOT/dev/pts"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"

SRC="$REPO"
if [ -n "$REF" ]; then
    SRC="$WORK/src"
    mkdir -p "$SRC"
    git -C "$REPO" archive "$REF" | tar -x -C "$SRC"
    step "sources: $REF = $(git -C "$REPO" rev-parse --short "$REF") ($(git -C "$REPO" log -1 --format=%s "$REF"))"
fi
step "the zip: torchdrill gradescope ${ONLY:+--only $ONLY}"
PYTHONPATH="$SRC/src" "$PY" -m torchdrill gradescope "$WORK/autograder.zip" --course "$SRC" ${ONLY:+--only "$ONLY"}

step "/autograder as Gradescope lays it out"
mkdir -p "$ROOT/autograder/source" "$ROOT/autograder/results" "$ROOT/autograder/submission"
"$PY" - "$WORK/autograder.zip" "$ROOT/autograder/source" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    z.extractall(sys.argv[2])
    for info in z.infolist():            # zipfile does not restore modes; Gradescope's unzip does
        mode = (info.external_attr >> 16) & 0o777
        if mode:
            os.chmod(os.path.join(sys.argv[2], info.filename), mode)
PY
cp "$ROOT/autograder/source/run_autograder" "$ROOT/autograder/run_autograder"
ls -l "$ROOT/autograder" "$ROOT/autograder/source"

env_in=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8)
if [ -n "${TORCHDRILL_TORCH_FIND_LINKS:-}" ]; then
    mkdir -p "$ROOT/wheels"
    cp -r "$TORCHDRILL_TORCH_FIND_LINKS"/. "$ROOT/wheels/"
    env_in+=(TORCHDRILL_TORCH_FIND_LINKS=/wheels)
    step "wheels given to setup.sh (--find-links /wheels): $(ls "$ROOT/wheels" | tr '\n' ' ')"
fi
[ -n "${TORCHDRILL_TORCH_INDEX_URL+set}" ] && env_in+=(TORCHDRILL_TORCH_INDEX_URL="$TORCHDRILL_TORCH_INDEX_URL")
if [ -n "$HOST_CA" ] && [ -f "$HOST_CA" ]; then
    mkdir -p "$ROOT/etc/ssl/host"
    cp "$HOST_CA" "$ROOT/etc/ssl/host/ca.crt"
    env_in+=(PIP_CERT=/etc/ssl/host/ca.crt)
fi

step "setup.sh, from nothing, as root: ${env_in[*]:3}"
start=$SECONDS
chroot "$ROOT" /usr/bin/env -i "${env_in[@]}" bash -c 'cd /autograder/source && bash ./setup.sh' 2>&1 \
    | grep -v -E '^(Get:|Selecting previously|Preparing to unpack|Unpacking|Setting up|Processing triggers|\(Reading database)' 
echo "setup.sh: done in $((SECONDS - start)) s; image: $(du -shx "$ROOT" | cut -f1), venv: $(du -shx "$ROOT/autograder/venv" | cut -f1)"
chroot "$ROOT" /autograder/venv/bin/python -c \
    'import sys, torch; print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda)'
chroot "$ROOT" /autograder/venv/bin/pip list 2>/dev/null | grep -i -E '^(nvidia|triton)' \
    && { echo "CUDA packages were installed"; exit 1; } || echo "no nvidia-* or triton package in the venv"

mkdir -p "$WORK/results"
for sub in alice_perfect bob_half_right mallory_hostile; do
    step "run_autograder on examples/$sub, as root"
    rm -rf "$ROOT/autograder/submission" "$ROOT/autograder/results"
    mkdir -p "$ROOT/autograder/submission" "$ROOT/autograder/results"
    cp -r "$SRC/examples/$sub/." "$ROOT/autograder/submission/"
    ls "$ROOT/autograder/submission"
    start=$SECONDS
    chroot "$ROOT" /usr/bin/env -i "${env_in[@]}" bash -c 'cd /autograder && ./run_autograder' 2>&1 | tail -5
    echo "run_autograder: $((SECONDS - start)) s"
    cp "$ROOT/autograder/results/results.json" "$WORK/results/$sub.json"
done

step "results.json against Gradescope's schema (tests/test_gradescope_zip.py RESULTS_SCHEMA)"
"$PY" - "$REPO" "$WORK/results" <<'PY'
import json, sys
from pathlib import Path
sys.path.insert(0, str(Path(sys.argv[1]) / "tests"))
from test_gradescope_zip import validate

for path in sorted(Path(sys.argv[2]).glob("*.json")):
    r = json.loads(path.read_text())
    validate(r)
    tests = r["tests"]
    outcomes = {}
    for t in tests:
        outcomes[t["tags"][2] if len(t.get("tags", [])) > 2 else t["status"]] = outcomes.get(
            t["tags"][2] if len(t.get("tags", [])) > 2 else t["status"], 0) + 1
    print(f"{path.stem:16} valid  score {r['score']:g} / {sum(t['max_score'] for t in tests):g}  "
          f"{len(tests)} tests  {dict(sorted(outcomes.items()))}  "
          f"grading_failed={r['extra_data'].get('grading_failed', False)}")
PY
step "done: $WORK/results"
