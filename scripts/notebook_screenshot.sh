#!/usr/bin/env bash
# docs/notebook-check.png: check cells' output in JupyterLab, shot with headless Chromium.
#   scripts/notebook_screenshot.sh [WORKDIR]     (needs Debian's chromium and .venv with jupyterlab)
# A student bundle is released, ex05_no_grad's notebook gets one right and one wrong function, runs in
# a real kernel (nbclient), is trusted (its HTML outputs shown as they are) and opened in JupyterLab.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(realpath -m "${1:-/tmp/torchdrill-screenshot}")"
PY="$REPO/.venv/bin/python"
PORT="${PORT:-8917}"
rm -rf "$WORK" && mkdir -p "$WORK"
"$REPO/.venv/bin/torchdrill" release "$WORK/student" --course "$REPO" >/dev/null
"$PY" - "$WORK/student/notebooks" <<'PY'
import sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient

folder = Path(sys.argv[1])
nb = nbformat.read(folder / "ex05_no_grad.ipynb", as_version=4)
answers = {
    "eval_no_grad": "def eval_no_grad(f, x):\n    with torch.no_grad():\n        return f(x)",
    "detach": "def detach(y):\n    return y          # forgot to cut it off the graph",
}
keep = []
for cell in nb.cells:
    if cell.id in answers:
        cell.source = answers[cell.id]
    if cell.id in ("load", "setup", *answers, *(f"{a}-check" for a in answers)):
        keep.append(cell)
nb.cells = keep
NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
nbformat.write(nb, folder / "screenshot.ipynb")
PY
"$REPO/.venv/bin/jupyter" trust "$WORK/student/notebooks/screenshot.ipynb"
# no "Jupyter news?" pop-up over the notebook
mkdir -p "$WORK/lab-settings/@jupyterlab/apputils-extension"
echo '{"fetchNews": "false"}' > "$WORK/lab-settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
JUPYTERLAB_SETTINGS_DIR="$WORK/lab-settings" "$REPO/.venv/bin/jupyter" lab --no-browser --allow-root --port "$PORT" --ServerApp.token= --ServerApp.password= \
    --ServerApp.root_dir="$WORK/student" --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
    > "$WORK/lab.log" 2>&1 &
LAB=$!
trap 'kill $LAB 2>/dev/null || true' EXIT
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$PORT/api" >/dev/null && break; sleep 1; done
chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$WORK/chromium-profile" \
    --hide-scrollbars --window-size=1280,1500 --virtual-time-budget=40000 \
    --screenshot="$WORK/notebook-check.png" "http://127.0.0.1:$PORT/lab/tree/notebooks/screenshot.ipynb?reset" \
    2> "$WORK/chromium.log" || { tail -20 "$WORK/chromium.log"; exit 1; }
echo "$WORK/notebook-check.png"
