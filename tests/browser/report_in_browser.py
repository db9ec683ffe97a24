#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The HTML report in a real browser (headless Chromium): the chart drew
its five counter series, the `#checkpoint=N` fragment selects which SVG
the slider shows, and a screenshot of the right size comes out. Exits 77
(CTest's skip) when chromium is not installed.

usage: report_in_browser.py KSMSIM SCENARIO WORKDIR"""
import os, re, shutil, struct, subprocess, sys

SKIP = 77
WIDTH, HEIGHT = 1000, 1400


def chromium(workdir, *args):
    cmd = ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
           "--user-data-dir=" + os.path.join(workdir, "profile"),
           "--virtual-time-budget=5000", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def attrs(dom, element_id):
    m = re.search(r'<[a-z]+ [^>]*id="%s"[^>]*>' % re.escape(element_id), dom)
    if not m:
        sys.exit(f"no element #{element_id} in the rendered DOM")
    return dict(re.findall(r'([a-z-]+)="([^"]*)"', m.group(0)))


def picture(dom):
    m = re.search(r'<div id="picture"[^>]*>(.*?)</div>\s*<h2>', dom, re.S)
    if not m or "<svg" not in m.group(1):
        sys.exit("the picture shown is no SVG")
    return m.group(1)


def main():
    ksmsim, scenario, workdir = sys.argv[1:4]
    if not shutil.which("chromium"):
        print("chromium is not installed (Debian's package chromium; tools/setup installs it): skipped")
        sys.exit(SKIP)
    os.makedirs(workdir, exist_ok=True)
    page = os.path.join(workdir, "report.html")
    rc = subprocess.run([ksmsim, "report", scenario, "-o", page]).returncode
    if rc != 0:
        sys.exit(f"ksmsim report exited {rc}")
    url = "file://" + os.path.abspath(page)
    seen = {}
    for n in (2, 4):
        r = chromium(workdir, "--dump-dom", f"{url}#checkpoint={n}")
        dom = r.stdout
        if attrs(dom, "ksmsim-data") is None or 'data-ready="true"' not in dom:
            sys.exit(f"the page's script did not finish (#checkpoint={n}): {r.stderr[-2000:]}")
        chart = attrs(dom, "chart")
        if chart.get("data-series-count") != "5":
            sys.exit(f"the chart drew {chart.get('data-series-count')} series, not 5")
        if int(chart.get("data-marker-count", "0")) == 0:
            sys.exit("the chart has no markers")
        shown = attrs(dom, "picture").get("data-checkpoint")
        if shown != str(n):
            sys.exit(f"#checkpoint={n} shows checkpoint {shown}")
        seen[n] = picture(dom)
    if seen[2] == seen[4]:
        sys.exit("checkpoints 2 and 4 show the same picture")
    png = os.path.join(workdir, "report.png")
    r = chromium(workdir, f"--screenshot={png}", f"--window-size={WIDTH},{HEIGHT}",
                 "--hide-scrollbars", url)
    if not os.path.exists(png) or os.path.getsize(png) < 1000:
        sys.exit(f"no screenshot: {r.stderr[-2000:]}")
    with open(png, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit("the screenshot is no PNG")
    size = struct.unpack(">II", head[16:24])
    if size != (WIDTH, HEIGHT):
        sys.exit(f"the screenshot is {size[0]}x{size[1]}, not {WIDTH}x{HEIGHT}")
    print("chart: 5 series; #checkpoint=2 and =4 show different SVGs; screenshot", png)


if __name__ == "__main__":
    main()
