from odoo import api, fields, models
from odoo.exceptions import UserError


class CmrCodeMixin(models.AbstractModel):
    """Catalogue entry with a stable technical code used by the contact gate."""

    _name = "cmr.code.mixin"
    _description = "CMR Catalogue Entry with a Code"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    code = fields.Char(
        required=True,
        help="Technical code that other modules pass to the contact gate.",
    )

    _sql_constraints = [
        ("code_uniq", "unique (code)", "The code must be unique."),
    ]

    @api.model
    def _get_by_code(self, value):
        """Return the record for a record or a code; raise if unknown."""
        if isinstance(value, models.BaseModel):
            value.ensure_one()
            return value
        record = self.with_context(active_test=False).search(
            [("code", "=", value)], limit=1
        )
        if not record:
            raise UserError(
                self.env._(
                    "Unknown %(what)s code %(code)r.",
                    what=self._description,
                    code=value,
                )
            )
        return record
