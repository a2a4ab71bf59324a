"""Write cmr_module/README.rst from the readme/*.md fragments (OCA layout).

The fragments use the small Markdown subset that maps to reStructuredText
almost as is: paragraphs, lists, **bold**, *italic*, `code` and fenced code
blocks. Run it after editing a fragment: ``python3 tools/gen_readme.py``.
"""

import re
from pathlib import Path

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


def main():
    parts = [HEADER]
    for name, title in SECTIONS:
        body = md_to_rst((ADDON / "readme" / name).read_text())
        if title:
            parts.append(f"{title}\n{'=' * len(title)}\n\n")
        parts.append(body + "\n")
        if not title:
            parts.append(TOC)
    parts.append(FOOTER)
    (ADDON / "README.rst").write_text("".join(parts))


if __name__ == "__main__":
    main()
