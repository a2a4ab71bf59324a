from odoo import api, fields, models


class CmrCharterMixin(models.AbstractModel):
    """Line of a customer's relationship charter.

    Every creation, change and removal is written to the partner's charter
    ledger (``cmr.charter.log``), so that the ledger stays the one record of
    what the customer asked for and who changed it.
    """

    _name = "cmr.charter.mixin"
    _inherit = ["cmr.input.guard"]
    _description = "CMR Charter Line"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
    )

    def _describe(self):
        """Human readable value of the line, as written in the ledger."""
        self.ensure_one()
        return self.display_name

    def _consent_values(self):
        """Extra ledger values when the line grants or withdraws consent."""
        return {}

    def _ledger_entry(self, old_value=False, new_value=False, consent=False):
        """Ledger values for a change of this line."""
        self.ensure_one()
        return dict(
            self._consent_values(),
            partner_id=self.partner_id.id,
            item=self.env["ir.model"]._get(self._name).name,
            field_name=self._name,
            old_value=old_value,
            new_value=new_value,
            consent=consent if self._consent_values() else False,
        )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        self.env["cmr.charter.log"]._log_entries(
            [
                line._ledger_entry(new_value=line._describe(), consent="granted")
                for line in lines
            ]
        )
        return lines

    def write(self, vals):
        before = {line.id: (line.partner_id, line._describe()) for line in self}
        res = super().write(vals)
        entries = []
        for line in self:
            old_partner, old_value = before[line.id]
            new_value = line._describe()
            if old_value != new_value or old_partner != line.partner_id:
                entries.append(line._ledger_entry(old_value, new_value))
        self.env["cmr.charter.log"]._log_entries(entries)
        return res

    def unlink(self):
        entries = [
            line._ledger_entry(old_value=line._describe(), consent="withdrawn")
            for line in self
            if line.partner_id.exists()
        ]
        res = super().unlink()
        self.env["cmr.charter.log"]._log_entries(entries)
        return res
