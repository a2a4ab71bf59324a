"""Write cmr_module/README.rst and the Apps-store page
cmr_module/static/description/index.html from the readme/*.md fragments
(OCA layout), or check that they are up to date.

The fragments use the small Markdown subset that maps to reStructuredText
almost as is: paragraphs, lists, **bold**, *italic*, `code` and fenced code
blocks. ``make lint-fix`` runs it after editing a fragment (``python3
tools/gen_readme.py``); ``make lint`` runs it with ``--check``, which fails
when either file is stale.
"""

import argparse
import re
import sys
from pathlib import Path

from docutils.core import publish_string

ADDON = Path(__file__).resolve().parent.parent / "cmr_module"
HEADER = """================================
Customer Management Relationship
================================

.. |badge1| image:: https://img.shields.io/badge/licence-LGPL--3-blue.png
    :target: http://www.gnu.org/licenses/lgpl-3.0-standalone.html
    :alt: License: LGPL-3

|badge1|

"""
SECTIONS = [
    ("DESCRIPTION.md", None),
    ("CONFIGURE.md", "Configuration"),
    ("USAGE.md", "Usage"),
    ("DEVELOP.md", "Development"),
]
# Pictures made by `make screenshots` (tools/screenshots.py), shown after
# the description when present.
SCREENSHOTS = [
    ("customer-charter.zh_CN.png", "The relationship charter of a customer"),
    ("customer-tier.en_US.png", "A customer's tier, score and upgrade path"),
    ("complaints-kanban.zh_CN.png", "Complaints by stage"),
    ("alliance-cards.en_US.png", "Alliance cards and points"),
    ("portal-preferences.zh_CN.png", "The customer edits their charter in the portal"),
    ("portal-tier.zh_CN.png", "My tier, in the portal"),
    ("merchant-counter.zh_CN.png", "The merchant's counter"),
    ("portal-care.zh_CN.png", "What my tier and cards entitle me to, in the portal"),
    ("portal-timeline.zh_CN.png", "My whole story with the company, in the portal"),
    ("suggestions.en_US.png", "Customers' suggestions under review"),
]
SCREENSHOT_DIR = "static/description/screenshots"
TOC = """**Table of contents**

.. contents::
   :local:

"""
FOOTER = """Authors
=======

* cmr_module authors
"""


def md_to_rst(text):
    out, in_code = [], False
    for line in text.splitlines():
        fence = re.match(r"^```(\w*)\s*$", line)
        if fence:
            if in_code:
                out.append("")
            else:
                out += ["", f".. code-block:: {fence.group(1) or 'text'}", ""]
            in_code = not in_code
            continue
        if in_code:
            out.append(f"   {line}" if line else "")
            continue
        out.append(re.sub(r"(?<!`)`([^`]+)`(?!`)", r"``\1``", line))
    return "\n".join(out).strip() + "\n"


def screenshots_rst():
    shots = [
        (name, caption)
        for name, caption in SCREENSHOTS
        if (ADDON / SCREENSHOT_DIR / name).exists()
    ]
    if not shots:
        return ""
    lines = ["Screenshots\n-----------\n"]
    for name, caption in shots:
        lines += [
            f".. figure:: {SCREENSHOT_DIR}/{name}",
            f"   :alt: {caption}",
            "   :width: 100%",
            "",
            f"   {caption}",
            "",
        ]
    return "\n".join(lines) + "\n"


def readme_rst():
    parts = [HEADER]
    for name, title in SECTIONS:
        body = md_to_rst((ADDON / "readme" / name).read_text())
        if title:
            parts.append(f"{title}\n{'=' * len(title)}\n\n")
        parts.append(body + "\n")
        if not title:
            parts.append(screenshots_rst())
            parts.append(TOC)
    parts.append(FOOTER)
    return "".join(parts)


def index_html(rst):
    """The Apps-store page: README.rst as a self-contained HTML page, as
    OCA's readme generator makes it (docutils, no external stylesheet)."""
    html = publish_string(
        rst,
        writer_name="html5",
        settings_overrides={
            "output_encoding": "unicode",
            "embed_stylesheet": True,
            "syntax_highlight": "none",
            "report_level": 5,
            "halt_level": 2,
            "_disable_config": True,
        },
    )
    # Docutils names its version in the page: the page would change with it.
    html = re.sub(r'<meta name="generator"[^>]*>\n', "", html)
    # The page lives in static/description: its pictures are beside it.
    return html.replace('src="static/description/', 'src="')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="fail if a file is out of date"
    )
    args = parser.parse_args()
    rst = readme_rst()
    outputs = {
        ADDON / "README.rst": rst,
        ADDON / "static" / "description" / "index.html": index_html(rst),
    }
    stale = [
        path
        for path, text in outputs.items()
        if not path.exists() or path.read_text() != text
    ]
    if args.check:
        for path in stale:
            print(
                f"{path.relative_to(ADDON.parent)} is out of date: "
                "run make lint-fix (tools/gen_readme.py)",
                file=sys.stderr,
            )
        return 1 if stale else 0
    for path in stale:
        path.write_text(outputs[path])
    return 0


if __name__ == "__main__":
    sys.exit(main())
