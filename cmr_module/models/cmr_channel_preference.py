from odoo import api, fields, models
from odoo.exceptions import ValidationError

# A rank says an order among a handful of channels; a cap above a few a day
# means no cap, which 0 already says.
RANK_MAX = 99
CAP_WEEK_MAX = 100
CAP_MONTH_MAX = 400


class CmrChannelPreference(models.Model):
    """A channel the customer accepts, with its rank and frequency caps."""

    _name = "cmr.channel.preference"
    _inherit = ["cmr.charter.mixin"]
    _description = "Accepted Channel"
    _order = "partner_id, sequence, id"

    sequence = fields.Integer(
        string="Rank", default=10, help=f"1 (best) to {RANK_MAX}."
    )
    channel_id = fields.Many2one(
        "cmr.channel", required=True, ondelete="restrict", index=True
    )
    cap_week = fields.Integer(
        string="Max per Week",
        help=f"Most contacts per calendar week, up to {CAP_WEEK_MAX}; 0: no limit.",
    )
    cap_month = fields.Integer(
        string="Max per Month",
        help=f"Most contacts per calendar month, up to {CAP_MONTH_MAX}; 0: no limit.",
    )

    _input_number_ranges = {
        "sequence": (0, RANK_MAX),
        "cap_week": (0, CAP_WEEK_MAX),
        "cap_month": (0, CAP_MONTH_MAX),
    }

    _sql_constraints = [
        (
            "partner_channel_uniq",
            "unique (partner_id, channel_id)",
            "A channel can be accepted only once per customer.",
        ),
    ]

    @api.constrains("cap_week", "cap_month")
    def _check_caps(self):
        for pref in self:
            if pref.cap_week < 0 or pref.cap_month < 0:
                raise ValidationError(
                    self.env._(
                        "The contact caps of channel %s cannot be negative.",
                        pref.channel_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        preferences = super().create(vals_list)
        preferences.partner_id._cmr_mark_channels_chosen()
        return preferences

    def write(self, vals):
        partners = self.partner_id
        res = super().write(vals)
        (partners | self.partner_id)._cmr_mark_channels_chosen()
        return res

    def unlink(self):
        partners = self.partner_id
        res = super().unlink()
        partners.exists()._cmr_mark_channels_chosen()
        return res

    @api.depends("channel_id", "cap_week", "cap_month")
    def _compute_display_name(self):
        for pref in self:
            caps = []
            if pref.cap_week:
                caps.append(self.env._("%s/week", pref.cap_week))
            if pref.cap_month:
                caps.append(self.env._("%s/month", pref.cap_month))
            pref.display_name = " ".join(
                [pref.channel_id.name or ""]
                + ([f"({', '.join(caps)})"] if caps else [])
            )

    def _describe(self):
        self.ensure_one()
        return self.env._(
            "#%(rank)s %(channel)s", rank=self._rank(), channel=self.display_name
        )

    def _rank(self):
        self.ensure_one()
        prefs = self.partner_id.cmr_channel_pref_ids.sorted(
            lambda p: (p.sequence, p.id)
        )
        return list(prefs.ids).index(self.id) + 1 if self.id in prefs.ids else 0

    def _consent_values(self):
        return {"channel_id": self.channel_id.id}
