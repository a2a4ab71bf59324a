from odoo.tests import tagged

from .common import CmrPortalCase


@tagged("post_install", "-at_install")
class TestSuggestionPortal(CmrPortalCase):
    """Customers submit, see theirs and the public ones, support once."""

    def _submit(self, files=None, **form):
        data = {
            "name": "Gift wrapping",
            "description": "Offer gift wrapping at checkout.",
            "category": "service",
            "is_public": "on",
            "csrf_token": self.csrf_token("/my/suggestions/new"),
            **form,
        }
        return self.url_open(
            "/my/suggestions/new",
            data=data,
            files=[("attachments", file) for file in files or []] or None,
        )

    def _mine(self, partner):
        return self.env["cmr.suggestion"].search([("partner_id", "=", partner.id)])

    def test_submit_see_support_once(self):
        self.login_a()
        response = self._submit(files=[("sketch.txt", b"a drawing", "text/plain")])
        self.assertEqual(response.status_code, 200)
        suggestion = self._mine(self.partner_a)
        self.assertEqual(len(suggestion), 1)
        self.assertTrue(suggestion.is_public)
        self.assertIn("Gift wrapping", response.text)
        self.assertIn("sketch.txt", response.text)
        self.assertIn("Gift wrapping", self.url_open("/my/suggestions").text)
        self.login_b()
        public = self.url_open("/my/suggestions?scope=public").text
        self.assertIn("Gift wrapping", public)
        self.assertNotIn("Gift wrapping", self.url_open("/my/suggestions").text)
        page = self.url_open(suggestion.access_url).text
        self.assertNotIn("sketch.txt", page, "another customer's files stay theirs")
        token = self.csrf_token(suggestion.access_url)
        url = f"{suggestion.access_url}/support"
        response = self.url_open(url, data={"csrf_token": token})
        self.assertIn("Thank you for your support", response.text)
        response = self.url_open(url, data={"csrf_token": token})
        self.assertIn("already support", response.text)
        self.assertEqual(suggestion.support_count, 1)

    def test_private_suggestion_is_not_anothers(self):
        self.login_a()
        self._submit(is_public="")
        suggestion = self._mine(self.partner_a)
        self.assertFalse(suggestion.is_public)
        self.login_b()
        self.assertNotIn(
            "Gift wrapping", self.url_open("/my/suggestions?scope=public").text
        )
        response = self.url_open(suggestion.access_url, allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        token = self.csrf_token("/my/suggestions/new")
        self.url_open(f"{suggestion.access_url}/support", data={"csrf_token": token})
        self.assertEqual(suggestion.support_count, 0)

    def test_bad_input_saves_nothing(self):
        self.login_a()
        response = self._submit(description="x" * (10 * 1000 * 1000))
        self.assertEqual(response.status_code, 200)
        self.assertIn("too long", response.text)
        files = [
            (f"cmr-sugg-{index}.txt", b"content", "text/plain") for index in range(50)
        ]
        response = self._submit(files=files)
        self.assertIn("Attach at most 5 files", response.text)
        response = self._submit(category="weapons")
        self.assertIn("Choose what your suggestion is about", response.text)
        response = self._submit(name="bad\x00name")
        self.assertIn("control characters", response.text)
        self.assertFalse(self._mine(self.partner_a))
        self.assertFalse(
            self.env["ir.attachment"].search([("name", "like", "cmr-sugg-")])
        )
