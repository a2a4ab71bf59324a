from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .cmr_input_guard import TEXT_MAX
from .cmr_mining_selections import ACTIVITY_STATES

# The KPI counts a reason recorded within this many days of the churn.
REASON_DAYS = 14

SOURCES = [("staff", "Staff"), ("portal", "Customer, in the portal")]


class CmrMiningChurnRecord(models.Model):
    """A churn reason recorded by staff on a churned or at-risk customer.

    Append-only: a better explanation is recorded as a new line.
    """

    _name = "cmr.mining.churn.record"
    _inherit = ["cmr.append.only.mixin", "cmr.input.guard"]
    _description = "Recorded Churn Reason"
    _order = "date desc, id desc"
    _rec_name = "reason_id"
    _check_company_auto = True

    _input_text_limits = {"note": TEXT_MAX}

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        domain="[('is_company', '=', True)]",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda s: s.env.company
    )
    reason_id = fields.Many2one(
        "cmr.mining.churn.reason",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    source = fields.Selection(
        SOURCES,
        required=True,
        default="staff",
        readonly=True,
        help="Staff record a reason on a customer at risk or churned; a "
        "customer may give one when closing their portal account, whatever "
        "their activity then.",
    )
    factor_type = fields.Selection(related="reason_id.factor_type", store=True)
    category_id = fields.Many2one(
        related="partner_id.cmr_category_id", store=True, string="Category"
    )
    state = fields.Selection(
        ACTIVITY_STATES,
        string="Activity When Recorded",
        readonly=True,
    )
    date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Recorded by",
        default=lambda self: self.env.user,
        readonly=True,
        ondelete="set null",
    )
    note = fields.Text(help="What the customer said, in their words.")
    record_count = fields.Integer(
        string="Reasons", default=1, readonly=True, aggregator="sum"
    )

    @api.model_create_multi
    def create(self, vals_list):
        partners = self.env["res.partner"].browse(
            {vals["partner_id"] for vals in vals_list if vals.get("partner_id")}
        )
        states = partners._cmr_activity_states()
        for vals in vals_list:
            partner = self.env["res.partner"].browse(vals.get("partner_id"))
            state = states.get(partner.commercial_partner_id.id)
            if vals.get("source") != "portal" and state not in ("at_risk", "churned"):
                raise ValidationError(
                    self.env._(
                        "%(customer)s is not churned nor at risk: a churn reason "
                        "is recorded for a customer who left or is leaving.",
                        customer=partner.display_name,
                    )
                )
            vals["partner_id"] = partner.commercial_partner_id.id
            vals["state"] = state
        return super().create(vals_list)

    @api.model
    def _record_from_portal(self, partner, reason_id, note=False):
        """The reason a customer gave when closing their portal account.

        ``reason_id`` must be one of the reasons offered to the customer's
        company (``cmr.mining.churn.reason._portal_reasons``); otherwise a
        translated ValidationError, nothing recorded. Written as superuser
        (customers have no access to the records); returns the record.
        """
        company = self.env.company
        reason = (
            self.env["cmr.mining.churn.reason"]
            ._portal_reasons(company)
            .filtered(lambda r: r.id == reason_id)
        )
        if not reason:
            raise ValidationError(
                self.env._(
                    "This reason is not offered (any more): choose one from the "
                    "list, or none."
                )
            )
        return (
            self.sudo()
            .with_company(company)
            .create(
                {
                    "partner_id": partner.commercial_partner_id.id,
                    "company_id": company.id,
                    "reason_id": reason.id,
                    "note": note or False,
                    "source": "portal",
                }
            )
        )

    def _append_only_hint(self):
        return self.env._("Record another reason instead.")

    @api.model
    def _reason_kpi(self, date_from, date_to, company=None):
        """Share of the customers who churned between ``date_from`` and
        ``date_to`` (inclusive) with a reason recorded within 14 days of
        the churn: ``(churned, with_reason, percent)``."""
        company = company or self.env.company
        report = self.env["cmr.mining.churn.report"]
        [[churned, in_time]] = report._read_group(
            [
                ("company_id", "=", company.id),
                ("event", "=", "churned"),
                ("date", ">=", date_from),
                ("date", "<=", date_to),
            ],
            [],
            ["customer_count:sum", "reason_in_time:sum"],
        )
        return churned, in_time, (in_time * 100.0 / churned) if churned else 0.0
