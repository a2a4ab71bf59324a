from odoo import models
from odoo.exceptions import UserError


class CmrWorkflowGuardMixin(models.AbstractModel):
    """Fields only a record's workflow writes (its buttons, its scheduled
    actions), never a plain ``write`` from a client.

    A model lists them in ``_workflow_fields``; its workflow writes them
    through ``_workflow_write`` (or ``_set_state``), which runs as superuser
    with a context key: a client can send a context, never superuser rights.
    A model refines the refusal by overriding ``_check_workflow_write``.
    """

    _name = "cmr.workflow.guard.mixin"
    _description = "Workflow Guard: server-only fields and state changes"

    # Written by the workflow only.
    _workflow_fields = frozenset({"state"})

    def write(self, vals):
        if not self._is_workflow_write():
            self._check_workflow_write(vals)
        return super().write(vals)

    def _is_workflow_write(self):
        """Whether this write comes from the workflow (``_workflow_write``)."""
        return bool(self.env.su and self.env.context.get("cmr_workflow"))

    def _check_workflow_write(self, vals):
        """Refuse, with a translated UserError, a plain write of the workflow's
        fields."""
        if self._workflow_fields.intersection(vals):
            raise UserError(
                self.env._("Use the buttons of the record to change its stage.")
            )

    def _workflow_write(self, vals):
        """Write fields of the workflow, after the caller's checks."""
        return self.sudo().with_context(cmr_workflow=True).write(vals)

    def _set_state(self, state, **values):
        """Move to ``state``, writing the workflow's ``values`` with it."""
        return self._workflow_write(dict(values, state=state))
