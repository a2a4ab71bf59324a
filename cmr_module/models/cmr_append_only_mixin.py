from odoo import api, models
from odoo.exceptions import UserError


class CmrAppendOnlyMixin(models.AbstractModel):
    """Rows of a ledger: written once, never changed nor deleted.

    Every ledger of the addon (charter log, tier history, score ratings,
    points lines and their allocations) inherits it; a correction is a new
    row. Uninstalling the addon still drops the tables.
    """

    _name = "cmr.append.only.mixin"
    _description = "Append-only Ledger Row"

    def _append_only_hint(self):
        """What to do instead of changing a row, shown in the refusal."""
        return self.env._("Record a new line instead.")

    def _append_only_error(self, verb):
        ledger = self.env["ir.model"]._get(self._name).name
        return UserError(
            self.env._(
                "%(ledger)s is append-only: its lines cannot be %(verb)s. %(hint)s",
                ledger=ledger,
                verb=verb,
                hint=self._append_only_hint(),
            )
        )

    def write(self, vals):  # pylint: disable=method-required-super
        raise self._append_only_error(self.env._("changed"))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise self._append_only_error(self.env._("deleted"))
