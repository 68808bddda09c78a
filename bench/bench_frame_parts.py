"""Benchmark: what the shared frame of every page costs in the browser, part by part.

Run: ``python3 bench/bench_frame_parts.py [repeats]`` (default 3). Starts one bare Streamlit
server per variant of the "hello" page of ``bench/bench_first_draw.py`` (a title and a
"19 of 19 patients" line), each adding one part of what :func:`ui.shell.page_setup` draws,
and the app itself for its About page (the page with the least of its own), then times each
as ``bench_first_draw`` does (a link opened in a new tab of Debian's Chromium, warm, until
the header line is shown and the run is over). Ratios over the bare hello page, measured in
the same rounds, are the result.

Variants: ``config_css`` (``st.set_page_config`` with the favicon and wide layout, and the
layout CSS), ``links`` (13 sidebar page links with Material icons), ``filters`` (the sidebar
filters: 9 multiselects, a slider, a radio, an icon button), ``uploader`` (the sidebar's file
uploader in an expander).

Measured 2026-12-06 20:58 UTC on the shared 2-core machine (load average 5.7-7.8), 3 rounds,
drawn over hello (hello 1.53 s): config_css 1.36, links 1.51, filters 1.27, uploader 1.02;
About page of the app 1.95. So a page's own script is not what makes About twice the bare
page: the page links with their icons, the page config with its CSS, and the filters are,
each a few tenths of a second in the browser.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_first_draw import open_in_turn  # noqa: E402
from tests.e2e.conftest import start_server  # noqa: E402

HEADER = 'st.title("Hello")\nst.markdown("**19 of 19 patients**")\n'
ICONS = ("groups", "upload_file", "monitoring", "call_split", "forest", "target",
         "account_tree", "person", "swap_horiz", "fact_check", "slideshow", "info", "policy")
VARIANTS = {
    "hello": "",
    "config_css": (f'st.set_page_config(page_title="x", page_icon="{ROOT}/assets/favicon.png",'
                   f' layout="wide")\nst.html("{ROOT}/assets/layout.css")\n'),
    "links": ("with st.sidebar:\n"
              + "".join(f'    st.page_link("https://example.com/{i}", label="Page {i}", '
                        f'icon=":material/{icon}:")\n' for i, icon in enumerate(ICONS))),
    "filters": ("for i in range(3):\n"
                '    st.sidebar.multiselect(f"F{i}", ["a", "b"], placeholder="All patients")\n'
                'with st.sidebar.expander("More filters"):\n'
                '    st.slider("Age", 0, 100, (20, 80))\n'
                "    for i in range(6):\n"
                '        st.multiselect(f"G{i}", ["a", "b"], placeholder="All patients")\n'
                '    st.radio("with", ["any", "all"], horizontal=True)\n'
                'st.sidebar.button("Clear all filters", icon=":material/filter_alt_off:")\n'),
    "uploader": ('with st.sidebar.expander("Cohort data", icon=":material/database:"):\n'
                 '    st.file_uploader("Load your own cohort")\n'),
}


def main(repeats: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="frame-parts-"))
    servers = {}
    for name, part in VARIANTS.items():
        script = folder / f"{name}.py"
        script.write_text(f"import streamlit as st\n{part}{HEADER}")
        servers[name] = start_server(script=str(script))
    servers["About (app)"] = start_server()
    targets = {name: server.url for name, server in servers.items()}
    targets["About (app)"] += "/About"
    try:
        times = open_in_turn(targets, repeats)
    finally:
        for server in servers.values():
            server.stop()
    bare = statistics.median(d for _, d, _ in times["hello"])
    print(f"{'variant':<14} {'header s':>9} {'drawn s':>8} {'/ hello':>8}")
    for name, runs in times.items():
        drawn = statistics.median(d for _, d, _ in runs)
        print(f"{name:<14} {statistics.median(h for h, _, _ in runs):9.2f} {drawn:8.2f} "
              f"{drawn / bare:8.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
