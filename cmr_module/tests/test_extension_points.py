"""Another addon extends the contact gate and the tier evaluation.

The classes below are what such an addon would write in its own ``models/``:
they are built into the registry for one test and removed after it, without
touching the addon's code.
"""

from odoo import Command, fields, models
from odoo.tools import SQL

from .common import CmrCase
from .tier_common import CmrTierCase


class RegistryExtensionMixin:
    """Build model classes into the registry for one test only."""

    def extend_registry(self, *classes):
        # Cleanups run last-in first-out: the base classes are put back
        # first, then the registry is set up again from them.
        self.addCleanup(self.registry.setup_models, self.env.cr)
        for cls in classes:
            model_class = self.registry[cls._name]
            self.addCleanup(
                setattr,
                model_class,
                "_BaseModel__base_classes",
                model_class._BaseModel__base_classes,
            )
        for cls in classes:
            cls._build_model(self.registry, self.env.cr)
        self.registry.setup_models(self.env.cr)


# -- an addon refusing customers on a national do-not-call list --------------
class ContactWithNationalList(models.Model):
    _module = None
    _inherit = "cmr.contact"

    refusal_reason = fields.Selection(
        selection_add=[("national_list", "On the national do-not-call list")],
        ondelete={"national_list": "set null"},
    )


class GateWithNationalList(models.AbstractModel):
    _module = None
    _inherit = "cmr.contact.gate"

    def _extra_refusals(self, partner_ids, question):
        refused = super()._extra_refusals(partner_ids, question)
        listed = self.env["res.partner"].search(
            [("id", "in", partner_ids), ("category_id.name", "=", "Do-not-call list")]
        )
        refused.update(dict.fromkeys(listed.ids, "national_list"))
        return refused


# -- an addon scoring customers by the contacts they accepted ----------------
class CriterionWithContacts(models.Model):
    _module = None
    _inherit = "cmr.score.criterion"

    kind = fields.Selection(
        selection_add=[("contacts", "Relationship: contacts made")],
        ondelete={"contacts": "cascade"},
    )


class EvaluationWithContacts(models.AbstractModel):
    _module = None
    _inherit = "cmr.tier.evaluation"

    def _extra_metrics(self, ladder, params):
        metrics = super()._extra_metrics(ladder, params)
        if "contacts" in ladder.criterion_ids.mapped("kind"):
            metrics["contacts"] = SQL(
                """
                SELECT partner_id, COUNT(*) FROM cmr_contact
                 WHERE state = 'sent' AND company_id = %s AND date >= %s
                 GROUP BY partner_id
                """,
                params["company_id"],
                params["date_from"],
            )
        return metrics

    def _criterion_points(self, criterion):
        if criterion.kind == "contacts":
            return SQL("e.contacts * 100 / %s", criterion.target)
        return super()._criterion_points(criterion)


class TestGateExtension(RegistryExtensionMixin, CmrCase):
    def test_an_addon_adds_a_refusal_reason(self):
        self.extend_registry(ContactWithNationalList, GateWithNationalList)
        listed_tag = self.env["res.partner.category"].create(
            {"name": "Do-not-call list"}
        )
        listed, free = self.Partner.create(
            [
                {"name": "Listed", "category_id": [Command.link(listed_tag.id)]},
                {"name": "Free"},
            ]
        )
        answers = (listed | free).cmr_check_contact(self.email)
        self.assertEqual(
            answers[listed.id],
            {"allowed": False, "reason": "national_list", "next_allowed": False},
        )
        self.assertTrue(answers[free.id]["allowed"])
        # The charter's own refusals come first and keep their reason.
        listed.cmr_do_not_contact = True
        self.assertEqual(self.gate(listed, self.email)["reason"], "do_not_contact")
        # The contact log records the new reason.
        listed.cmr_do_not_contact = False
        contact = self.env["cmr.contact"]._send(
            listed, self.email, None, "Offer", "<p>Offer</p>"
        )
        self.assertEqual(contact.state, "refused")
        self.assertEqual(contact.refusal_reason, "national_list")


class TestEvaluationExtension(RegistryExtensionMixin, CmrTierCase):
    def test_an_addon_adds_a_criterion_kind(self):
        self.extend_registry(CriterionWithContacts, EvaluationWithContacts)
        ladder = self._make_ladder(
            "threshold",
            [("Close", 50), ("Distant", 0)],
            [("revenue", 50, 1000), ("contacts", 50, 4)],
        )
        close, distant = ladder._ordered_tiers()
        talkative = self._customer("Talkative")
        quiet = self._customer("Quiet")
        self._invoice(talkative, 10, 500)
        self._invoice(quiet, 10, 500)
        email = self.env.ref("cmr_module.cmr_channel_email")
        self.env["cmr.contact"].create(
            [
                {
                    "partner_id": talkative.id,
                    "channel_id": email.id,
                    "subject": f"Visit {index}",
                    "state": "sent",
                }
                for index in range(4)
            ]
        )
        self._evaluate(ladder)
        talkative_standing = self._standing(talkative, ladder)
        quiet_standing = self._standing(quiet, ladder)
        # 50 % of 50 points for revenue, plus full marks on contacts.
        self.assertEqual(talkative_standing.score, 75)
        self.assertEqual(quiet_standing.score, 25)
        self.assertEqual(talkative_standing.breakdown["contacts"], 100)
        self.assertEqual(talkative_standing.tier_id, close)
        self.assertEqual(quiet_standing.tier_id, distant)
