"""The load of make bench-portal, for locust (run by tools/bench_portal.py in
its own virtual environment: locust needs Werkzeug 3, Odoo 18 Werkzeug 2.2).

Customers log in once, then browse their portal pages, save a change of
their charter, file a complaint and reply to one; merchants record
purchases and redemptions at their counter, often on the same few cards at
once. Odoo's own /my/invoices and /my/orders are the reference. Settings
come from the environment (BENCH_PORTAL_*), written by bench_portal.py.
"""

import json
import os
import random
import re
from html.parser import HTMLParser

from locust import HttpUser, between, events, task

SETTINGS = json.loads(os.environ["BENCH_PORTAL_SETTINGS"])
# [[login, card id, complaint id, complaint token], ...]
CUSTOMERS = SETTINGS["customers"]
MERCHANTS = SETTINGS["merchants"]  # [login, ...]
CARDS = SETTINGS["cards"]  # card numbers
HOT_CARDS = CARDS[:5]  # served by several merchants at the same moment
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ALERT = re.compile(r"alert-danger[^>]*>(.*?)</div>", re.S)


def refusal(response):
    """The error a page shows, for the failure report."""
    found = ALERT.search(response.text)
    text = re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip() if found else ""
    return text[:200] or f"HTTP {response.status_code} at {response.url}"


# Successful counter operations, checked against the ledger afterwards.
RECORDED = {"purchase": 0, "redeem": 0}


class FormReader(HTMLParser):
    """The fields of the first form posting to ``action``, as a browser
    would send them (checked boxes, selected options, text values)."""

    def __init__(self, action):
        super().__init__()
        self.action, self.inside, self.fields = action, False, []
        self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("action") or "").startswith(self.action):
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            if kind not in ("submit", "button", "file"):
                self.fields.append((name, attrs.get("value", default)))
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields.append((self.select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self.fields.append((name, ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "form":
            self.inside = False


def login(user, name):
    page = user.client.get("/web/login", name="/web/login")
    token = CSRF.search(page.text).group(1)
    response = user.client.post(
        "/web/login",
        data={"login": name, "password": SETTINGS["password"], "csrf_token": token},
        name="/web/login (POST)",
    )
    if "/web/login" in response.url:
        raise RuntimeError(f"{name} could not log in")


class Customer(HttpUser):
    weight = 9
    wait_time = between(0.5, 2.0)

    def on_start(self):
        self.login, self.card_id, self.complaint_id, self.token = random.choice(
            CUSTOMERS
        )
        login(self, self.login)

    @task(4)
    def home(self):
        self.client.get("/my", name="/my")

    @task(3)
    def preferences(self):
        self.client.get("/my/preferences", name="/my/preferences")

    @task(1)
    def save_preferences(self):
        page = self.client.get("/my/preferences", name="/my/preferences")
        form = FormReader("/my/preferences")
        form.feed(page.text)
        fields = [(k, v) for k, v in form.fields if k != "gift_preference"]
        fields.append(("gift_preference", f"Stamps {random.randint(1, 10**6)}"))
        with self.client.post(
            "/my/preferences",
            data=fields,
            name="/my/preferences (POST)",
            catch_response=True,
        ) as response:
            if "saved=1" not in response.url:
                response.failure(refusal(response))

    @task(3)
    def tier(self):
        self.client.get("/my/tier", name="/my/tier")

    @task(3)
    def cards(self):
        self.client.get("/my/cards", name="/my/cards")
        self.client.get(f"/my/cards/{self.card_id}", name="/my/cards/<id>")

    @task(3)
    def complaints(self):
        self.client.get("/my/complaints", name="/my/complaints")
        self.client.get(
            f"/my/complaints/{self.complaint_id}", name="/my/complaints/<id>"
        )

    @task(1)
    def file_complaint(self):
        page = self.client.get("/my/complaints/new", name="/my/complaints/new")
        token = CSRF.search(page.text).group(1)
        with self.client.post(
            "/my/complaints/new",
            data={
                "csrf_token": token,
                "subject": "Gas pressure low",
                "description": "The pressure drops every evening.",
                "reply_channel": "email",
            },
            name="/my/complaints/new (POST)",
            catch_response=True,
        ) as response:
            if "saved=1" not in response.url:
                response.failure(refusal(response))

    @task(1)
    def reply(self):
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "thread_model": "cmr.complaint",
                "thread_id": self.complaint_id,
                "token": self.token,
                "post_data": {
                    "body": "Any news?",
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                },
            },
        }
        with self.client.post(
            "/mail/message/post",
            json=body,
            name="/mail/message/post (reply)",
            catch_response=True,
        ) as response:
            if "error" in response.json():
                response.failure(response.json()["error"]["data"]["message"])

    @task(3)
    def invoices(self):
        self.client.get("/my/invoices", name="/my/invoices")

    @task(2)
    def orders(self):
        self.client.get("/my/orders", name="/my/orders")


class Merchant(HttpUser):
    weight = 1
    wait_time = between(0.2, 1.0)

    def on_start(self):
        login(self, random.choice(MERCHANTS))

    def counter(self, kind, quantity):
        page = self.client.get("/my/merchant", name="/my/merchant")
        token = CSRF.search(page.text).group(1)
        card = random.choice(HOT_CARDS if random.random() < 0.5 else CARDS)
        with self.client.post(
            "/my/merchant",
            data={
                "csrf_token": token,
                "card_number": card,
                "kind": kind,
                "quantity": quantity,
            },
            name=f"/my/merchant ({kind})",
            catch_response=True,
        ) as response:
            if "recorded=" in response.url:
                RECORDED[kind] += 1
            elif response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            # A refused redemption (not enough points) is an answer, not a
            # failure.

    @task(2)
    def purchase(self):
        self.counter("purchase", random.randint(10, 300))

    @task(1)
    def redeem(self):
        self.counter("redeem", random.randint(1, 40))


@events.quitting.add_listener
def report_recorded(environment, **_kwargs):
    with open(os.environ["BENCH_PORTAL_RECORDED"], "w") as out:
        json.dump(RECORDED, out)
