"""Pictures of the addon's main screens, for the README and the Apps page.

    python3 tools/screenshots.py --url http://127.0.0.1:8069 --db cmr_demo \
        --out cmr_module/static/description/screenshots

Logs in as the demo's staff and portal users and saves one PNG per screen
and language (``<screen>.<lang>.png``), with headless Chromium driven over
the DevTools protocol (Debian ``chromium``, ``websocket-client``). Each
user is switched to the language of the picture for the time of the shot
and switched back afterwards. ``make screenshots`` starts the demo and runs
this; a later feature adds its screens to SCREENS.
"""

import argparse
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar

import websocket

# (file name, login, what to open). What to open is a portal path, or a
# backend action (xmlid) with optionally a record (xmlid), a view type and a
# notebook tab to click.
SCREENS = [
    (
        "customer-charter",
        "admin",
        {
            "action": "cmr_module.res_partner_action_cmr_customers",
            "record": "cmr_module.cmr_partner_wang_ming",
            "tab": "cmr_charter",
        },
    ),
    (
        "customer-tier",
        "admin",
        {
            "action": "cmr_module.res_partner_action_cmr_customers",
            "record": "cmr_module.cmr_partner_huadong",
            "tab": "cmr_tier",
        },
    ),
    (
        "tier-ladder",
        "admin",
        {
            "action": "cmr_module.cmr_tier_ladder_action",
            "record": "cmr_module.cmr_tier_ladder_gold",
        },
    ),
    (
        "revenue-by-tier",
        "admin",
        {"action": "cmr_module.cmr_partner_tier_action_pareto"},
    ),
    (
        "complaints-kanban",
        "admin",
        {"action": "cmr_module.cmr_complaint_action", "view_type": "kanban"},
    ),
    (
        "complaint-dashboard",
        "admin",
        {"action": "cmr_module.cmr_complaint_dashboard_action"},
    ),
    ("alliance-cards", "admin", {"action": "cmr_module.cmr_membership_action"}),
    (
        "care-visits",
        "admin",
        {"action": "cmr_module.cmr_care_visit_action", "view_type": "kanban"},
    ),
    (
        "suggestions",
        "admin",
        {"action": "cmr_module.cmr_suggestion_action", "view_type": "kanban"},
    ),
    ("erasure-requests", "admin", {"action": "cmr_module.cmr_privacy_erasure_action"}),
    (
        "revenue-concentration",
        "admin",
        {"action": "cmr_module.cmr_mining_pareto_report_action"},
    ),
    (
        "key-account",
        "admin",
        {
            "action": "cmr_module.res_partner_action_cmr_customers",
            "record": "cmr_module.cmr_partner_huadong",
            "tab": "cmr_keyaccount",
        },
    ),
    ("merchant-counter", "merchant.carwash", "/my/merchant"),
    ("portal-home", "portal.wechat", "/my"),
    ("portal-preferences", "portal.wechat", "/my/preferences"),
    ("portal-tier", "portal.wechat", "/my/tier"),
    ("portal-cards", "portal.wechat", "/my/cards"),
    ("portal-complaints", "portal.wechat", "/my/complaints"),
    ("portal-care", "portal.wechat", "/my/care"),
    ("portal-timeline", "portal.wechat", "/my/timeline"),
    ("portal-suggestions", "portal.wechat", "/my/suggestions"),
    ("portal-privacy", "portal.wechat", "/my/privacy"),
]
LANGS = ("en_US", "zh_CN")
# Demo passwords are the logins.
WIDTH, MAX_HEIGHT = 1280, 1800


class Odoo:
    """JSON-RPC as one user, the way the web client talks to the server."""

    def __init__(self, url, db, login):
        self.url = url
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar)
        )
        result = self.rpc(
            "/web/session/authenticate",
            {"db": db, "login": login, "password": login},
        )
        self.uid = result["uid"]

    def rpc(self, path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params})
        request = urllib.request.Request(
            self.url + path, body.encode(), {"Content-Type": "application/json"}
        )
        with self.opener.open(request, timeout=60) as response:
            answer = json.load(response)
        if "error" in answer:
            raise RuntimeError(f"{path}: {answer['error']['data']['message']}")
        return answer["result"]

    def call(self, model, method, *args, **kwargs):
        return self.rpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )

    def session_id(self):
        return next(c.value for c in self.jar if c.name == "session_id")


class Chromium:
    """One headless Chromium tab, driven over the DevTools protocol."""

    def __init__(self):
        binary = shutil.which("chromium") or shutil.which("chromium-browser")
        if not binary:
            sys.exit(
                "screenshots: Debian's chromium is needed (apt-get install chromium)"
            )
        self.profile = tempfile.mkdtemp(prefix="cmr-shots-")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}",
                f"--window-size={WIDTH},900",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _attempt in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json") as r:
                    pages = [t for t in json.load(r) if t["type"] == "page"]
                if pages:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            self.close()
            sys.exit("screenshots: chromium did not start")
        self.ws = websocket.create_connection(
            pages[0]["webSocketDebuggerUrl"], timeout=60, suppress_origin=True
        )
        self.message_id = 0
        self.send("Page.enable")

    def send(self, method, **params):
        self.message_id += 1
        self.ws.send(
            json.dumps({"id": self.message_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send(
            "Runtime.evaluate",
            expression=expression,
            awaitPromise=True,
            returnByValue=True,
        )
        return result.get("result", {}).get("value")

    def open(self, url):
        self.send("Page.navigate", url=url)
        self.wait_until_still()

    def wait_until_still(self, timeout=45):
        """Until the page is loaded and its DOM has not changed for a second
        (Odoo's web client renders after the load event)."""
        deadline = time.time() + timeout
        last, still = None, 0
        while time.time() < deadline and still < 4:
            time.sleep(0.25)
            state = self.evaluate(
                "document.body ? document.readyState + ':' +"
                " document.body.innerHTML.length + ':' + document.querySelectorAll("
                "'.o_loading_indicator, .o_blockUI').length : ''"
            )
            state = state or ""
            still = still + 1 if state == last and state.startswith("complete") else 0
            last = state

    def shoot(self, path):
        height = self.evaluate("document.documentElement.scrollHeight") or 900
        height = max(900, min(int(height), MAX_HEIGHT))
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=WIDTH,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.wait_until_still()
        data = self.send("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as picture:
            picture.write(base64.b64decode(data))

    def set_session(self, base_url, session_id):
        self.send("Network.clearBrowserCookies")
        self.send(
            "Network.setCookie", name="session_id", value=session_id, url=base_url
        )

    def close(self):
        try:
            self.process.terminate()
            self.process.wait(10)
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


def record_id(admin, xmlid):
    module, name = xmlid.split(".")
    rows = admin.call(
        "ir.model.data",
        "search_read",
        [("module", "=", module), ("name", "=", name)],
        ["res_id"],
    )
    if not rows:
        raise RuntimeError(f"{xmlid}: not in this database (demo data?)")
    return rows[0]["res_id"]


def screen_url(admin, base_url, target):
    if isinstance(target, str):
        return base_url + target
    url = f"{base_url}/odoo/action-{target['action']}"
    if target.get("record"):
        url += f"/{record_id(admin, target['record'])}"
    if target.get("view_type"):
        url += f"?view_type={target['view_type']}"
    return url


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="cmr_demo")
    parser.add_argument("--out", default="cmr_module/static/description/screenshots")
    parser.add_argument("--lang", action="append", help="default: en_US and zh_CN")
    parser.add_argument("screens", nargs="*", help="only these screens")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    admin = Odoo(args.url, args.db, "admin")
    installed = {code for code, _name in admin.call("res.lang", "get_installed")}
    langs = [lang for lang in (args.lang or LANGS) if lang in installed]
    sessions = {}
    browser = Chromium()
    try:
        for name, login, target in SCREENS:
            if args.screens and name not in args.screens:
                continue
            if login not in sessions:
                sessions[login] = Odoo(args.url, args.db, login)
            user = sessions[login]
            own_lang = admin.call("res.users", "read", [user.uid], ["lang"])[0]["lang"]
            browser.set_session(args.url, user.session_id())
            url = screen_url(admin, args.url, target)
            for lang in langs:
                admin.call("res.users", "write", [user.uid], {"lang": lang})
                try:
                    browser.open(url)
                    if isinstance(target, dict) and target.get("tab"):
                        browser.evaluate(
                            f"document.querySelector('a[name=\"{target['tab']}\"]')"
                            "?.click()"
                        )
                        browser.wait_until_still()
                    path = os.path.join(args.out, f"{name}.{lang}.png")
                    browser.shoot(path)
                    print(f"{path}  ({login}, {url[len(args.url) :]})")
                finally:
                    admin.call("res.users", "write", [user.uid], {"lang": own_lang})
    finally:
        browser.close()


if __name__ == "__main__":
    main()
