"""Regenerate the README's screenshots: `python3 scripts/screenshots.py`.

Starts `streamlit run app.py` on a free local port, opens every page of ui.shell.PAGES in
Debian's Chromium (Playwright, never a downloaded browser) and saves docs/screenshots/<page>.png.
Chromium keeps its sandbox as the app's figure export does (core.report.sandbox): always for an
ordinary user; as root it can only run without, which the script does only when
RRE_CHROMIUM_NO_SANDBOX=1 is set, and otherwise stops naming the fix.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from core.errors import AnalysisError  # noqa: E402
from core.report.sandbox import NO_SANDBOX_ENV, chromium_options  # noqa: E402
from ui.shell import PAGES  # noqa: E402

SHOTS = {  # page file -> (file name, query string that shows the page at its best)
    "app.py": ("cohort", ""),
    "pages/1_Survival.py": ("survival", "?survival.endpoint=rfs&survival.by=mrd_pre_status"),
    "pages/2_Cox.py": ("cox", ""),
    "pages/3_Patients.py": ("patients", "?patient=9"),
    "pages/4_Competing_risks.py": ("competing", "?competing.by=mrd_pre_status"),
    "pages/7_Subgroups.py": ("subgroups", ""),
    "pages/0_Your_data.py": ("your_data", ""),
}


def chromium_sandbox() -> bool:
    """Whether Chromium keeps its sandbox (core.report.sandbox's rule): yes for an ordinary
    user; as root no, only with RRE_CHROMIUM_NO_SANDBOX=1; otherwise the script stops."""
    try:
        return chromium_options()["enable_sandbox"]
    except AnalysisError:
        raise SystemExit("scripts/screenshots.py runs as root, where Chromium works only "
                         "without its sandbox. Fix: run it as an ordinary user, or set "
                         f"{NO_SANDBOX_ENV}=1 to accept the risk.") from None


def main() -> None:
    sandbox = chromium_sandbox()  # before starting anything
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"], cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        out = ROOT / "docs" / "screenshots"
        out.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=shutil.which("chromium"), headless=True,
                chromium_sandbox=sandbox, args=["--disable-gpu",
                                                "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            for path, _, _ in PAGES:
                if path not in SHOTS:
                    continue
                name, query = SHOTS[path]
                url_path = "" if path == "app.py" else Path(path).stem.split("_", 1)[1]
                page.goto(f"http://127.0.0.1:{port}/{url_path}{query}")
                page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=30000)
                time.sleep(4)
                page.screenshot(path=str(out / f"{name}.png"), full_page=False)
                print("saved", out / f"{name}.png")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
