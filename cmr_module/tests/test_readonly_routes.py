import inspect
from types import SimpleNamespace
from unittest.mock import patch

from odoo import http
from odoo.tests import HttpCase, tagged

from ..controllers import portal_form

# What Odoo logs when a read-only route writes, before running it again on
# a read/write cursor (odoo.http, Request._transactioning).
RETRY_WARNING = "retrying with a read/write cursor"


def addon_routes(env):
    """{(url, methods): routing} of every route the addon defines or
    overrides."""
    routes = {}
    rules = http._generate_routing_rules(
        sorted(env.registry._init_modules), False, env["ir.http"]._get_converters()
    )
    for url, endpoint in rules:
        func = endpoint.func
        module = inspect.getmodule(getattr(func, "__func__", func))
        if module and module.__name__.startswith("odoo.addons.cmr_module."):
            methods = tuple(sorted(endpoint.routing.get("methods") or ()))
            routes[(url, methods)] = endpoint.routing
    return routes


@tagged("post_install", "-at_install")
class TestReadonlyRoutes(HttpCase):
    """Pages that only read run on a read-only cursor, which a deployment
    with a read replica (``db_replica_host``) serves from the replica. Under
    the test server a read-only route runs in a read-only transaction too:
    a write there would be logged and retried read/write."""

    def test_every_page_that_only_reads_is_readonly(self):
        routes = addon_routes(self.env)
        self.assertTrue(routes)
        writable = sorted(
            url
            for (url, methods), routing in routes.items()
            if methods == ("GET",) and not routing.get("readonly")
        )
        self.assertEqual(writable, [], "GET pages must be readonly=True")
        # Forms post to read/write routes.
        posts = [
            url
            for (url, methods), routing in routes.items()
            if "POST" in methods and routing.get("readonly") is True
        ]
        self.assertEqual(posts, [])

    def _get_all(self, urls):
        for url in urls:
            with self.subTest(url=url), self.assertNoLogs("odoo.http", "WARNING"):
                response = self.url_open(url)
            self.assertEqual(response.status_code, 200, url)

    def test_customer_pages_never_write(self):
        if not self.env.ref("cmr_module.cmr_user_portal_wang_ming", False):
            self.skipTest("no demo data")
        wang = self.env.ref("cmr_module.cmr_partner_wang_ming")
        card = self.env["cmr.membership"].search(
            [("partner_id", "=", wang.id)], limit=1
        )
        complaint = self.env["cmr.complaint"].search(
            [("partner_id", "=", wang.id)], limit=1
        )
        visit = self.env["cmr.care.visit"].search(
            [("partner_id", "=", wang.id)], limit=1
        )
        self.authenticate("portal.wechat", "portal.wechat")
        self._get_all(
            [
                "/my/care",
                f"/my/care/visits/{visit.id}",
                "/my/team",
                "/my",
                "/my/preferences",
                "/my/preferences/export.json",
                "/my/preferences/export.csv",
                "/my/tier",
                "/my/cards",
                f"/my/cards/{card.id}",
                "/my/complaints",
                "/my/complaints/new",
                f"/my/complaints/{complaint.id}",
            ]
        )
        # The home page's counters are fetched by a read-only JSON route.
        with self.assertNoLogs("odoo.http", "WARNING"):
            self.make_jsonrpc_request(
                "/my/counters", {"counters": ["cmr_complaint_count", "cmr_card_count"]}
            )

    def test_merchant_counter_never_writes(self):
        if not self.env.ref("cmr_module.cmr_user_merchant_carwash", False):
            self.skipTest("no demo data")
        self.authenticate("merchant.carwash", "merchant.carwash")
        self._get_all(["/my/merchant"])

    def test_the_page_after_a_save_reads_the_primary(self):
        """The redirect after a save carries a marker: that one view is
        served read/write, from the primary database where the change is;
        the same page without it may come from a replica."""
        routes = addon_routes(self.env)
        for url, marker in [
            ("/my/preferences", "saved"),
            ("/my/complaints/<int:complaint_id>", "saved"),
            ("/my/cards/<int:membership_id>", "pin"),
            ("/my/merchant", "recorded"),
            ("/my/care", "done"),
        ]:
            readonly = routes[(url, ("GET",))]["readonly"]
            for args, expected in [({marker: "1"}, False), ({}, True)]:
                request = SimpleNamespace(httprequest=SimpleNamespace(args=args))
                with patch.object(portal_form, "request", new=request):
                    self.assertEqual(readonly(None), expected, (url, args))

    def test_gate_question_reads_the_primary(self):
        """The gate decides a contact: never from a replica that may lag
        behind a consent just withdrawn."""
        self.assertFalse(
            getattr(type(self.env["res.partner"]).cmr_check_contact, "_readonly", False)
        )
