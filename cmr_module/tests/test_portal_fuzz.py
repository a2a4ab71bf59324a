import re

from lxml import html

from odoo.tests import HttpCase, tagged

# What careless hands and attackers post: numbers that overflow, control
# characters, a text far over any limit, bytes that are not UTF-8.
PAYLOADS = (
    "99999999999999999999",
    "-1e12",
    "abc\x00def",
    "A" * 200_000,
    b"\xff\xfe\xfd",
)


@tagged("post_install", "-at_install")
class TestPortalFuzz(HttpCase):
    """Every form of the addon's portal pages, posted with bad values field by
    field, answers with a page (an error on it, or a refusal), never a 500."""

    # (login, pages whose forms are fuzzed) on the demo data.
    JOURNEYS = (
        ("portal.wechat", ("/my/preferences", "/my/complaints/new", "/my/cards")),
        ("merchant.carwash", ("/my/merchant",)),
    )

    def _forms(self, url):
        response = self.url_open(url)
        self.assertLess(response.status_code, 500, url)
        if response.status_code != 200:
            return []
        tree = html.fromstring(response.content)
        forms = []
        for form in tree.xpath("//form[@method='post' or @method='POST']"):
            action = form.get("action") or url
            if not action.startswith("/my"):
                continue
            fields = {}
            for element in form.xpath(".//input|.//textarea|.//select"):
                name = element.get("name")
                if not name or element.get("type") in ("file", "submit"):
                    continue
                if element.tag == "select":
                    options = element.xpath("./option/@value")
                    fields[name] = options[-1] if options else ""
                elif element.get("type") in ("checkbox", "radio"):
                    if element.get("checked") is not None:
                        fields[name] = element.get("value") or "on"
                else:
                    fields[name] = element.get("value") or element.text or ""
            forms.append((action, fields))
        return forms

    def _complaint_pages(self):
        page = self.url_open("/my/complaints").text
        return sorted(set(re.findall(r'href="(/my/complaints/\d+)[?"]', page)))[:2]

    def test_no_portal_form_answers_500(self):
        posted = 0
        for login, pages in self.JOURNEYS:
            self.authenticate(login, login)
            urls = list(pages)
            if login == "portal.wechat":
                urls += self._complaint_pages()
            for url in urls:
                for action, fields in self._forms(url):
                    for name in fields:
                        if name == "csrf_token":
                            continue
                        for payload in PAYLOADS:
                            data = dict(fields, **{name: payload})
                            response = self.url_open(action, data=data)
                            posted += 1
                            self.assertLess(
                                response.status_code,
                                500,
                                f"{action} {name}={payload[:20]!r}",
                            )
        self.assertGreater(posted, 50, "the journeys found the portal forms")
