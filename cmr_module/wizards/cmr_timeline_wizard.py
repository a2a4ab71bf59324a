import json

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.cmr_timeline import PAGE_SIZE


class CmrTimelineWizard(models.TransientModel):
    """The backend's timeline of one customer: filters, and one page of
    events at a time, refilled by the Newer / Older buttons (keyset paging:
    a customer with 10,000 events loads 50 of them)."""

    _name = "cmr.timeline.wizard"
    _description = "Customer Timeline"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True
    )
    kind = fields.Selection(selection="_selection_kind")
    channel = fields.Selection(selection="_selection_channel")
    date_from = fields.Date(string="From")
    date_to = fields.Date(string="To")
    include_internal = fields.Boolean(
        string="Internal Events",
        default=True,
        help="Show what the customer does not see in their portal (notes, refusals, "
        "handovers, drafts).",
    )
    page = fields.Integer(default=1, readonly=True)
    # Cursors of the pages shown so far, to go back (JSON list of strings).
    cursors = fields.Char(default="[]", readonly=True)
    next_cursor = fields.Char(readonly=True)
    line_ids = fields.One2many("cmr.timeline.wizard.line", "wizard_id", readonly=True)

    @api.model
    def _selection_kind(self):
        return [
            (kind, label) for kind, label, _source in self.env["cmr.timeline"]._kinds()
        ]

    @api.model
    def _selection_channel(self):
        return self.env["cmr.timeline"]._channels()

    @api.model
    def _open_for(self, partner):
        wizard = self.create({"partner_id": partner.commercial_partner_id.id})
        wizard._fill(None)
        return wizard._action()

    def _action(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Timeline: %(customer)s", customer=self.partner_id.display_name
            ),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    def _fill(self, cursor_text):
        """Show the page that starts after ``cursor_text`` (the first when empty)."""
        self.ensure_one()
        Timeline = self.env["cmr.timeline"]
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise UserError(self.env._("The date range ends before it starts."))
        page = Timeline._page(
            self.partner_id,
            limit=PAGE_SIZE,
            cursor=Timeline.parse_cursor(cursor_text),
            kinds=[self.kind] if self.kind else None,
            channels=[self.channel] if self.channel else None,
            date_from=self.date_from and fields.Datetime.to_datetime(self.date_from),
            date_to=self.date_to
            and fields.Datetime.to_datetime(fields.Date.add(self.date_to, days=1)),
            portal=not self.include_internal,
        )
        self.line_ids.unlink()
        self.env["cmr.timeline.wizard.line"].create(
            [
                {
                    "wizard_id": self.id,
                    "sequence": index,
                    "date": event["date"],
                    "kind": event["kind_label"],
                    "channel": event["channel_label"],
                    "who": event["who"] or "",
                    "summary": event["summary"],
                    "internal": event["internal"],
                    "res_model": event["res_model"] or False,
                    "res_id": event["res_id"] or 0,
                }
                for index, event in enumerate(page["events"])
            ]
        )
        self.next_cursor = Timeline.format_cursor(page["next"])

    def action_apply(self):
        """First page with the filters as they are."""
        self.ensure_one()
        self.write({"page": 1, "cursors": "[]"})
        self._fill(None)
        return self._action()

    def action_older(self):
        self.ensure_one()
        if not self.next_cursor:
            return self._action()
        cursors = json.loads(self.cursors or "[]")
        cursors.append(self.next_cursor)
        self.write({"page": self.page + 1, "cursors": json.dumps(cursors)})
        self._fill(cursors[-1])
        return self._action()

    def action_newer(self):
        self.ensure_one()
        cursors = json.loads(self.cursors or "[]")
        if cursors:
            cursors.pop()
        self.write({"page": max(1, self.page - 1), "cursors": json.dumps(cursors)})
        self._fill(cursors[-1] if cursors else None)
        return self._action()


class CmrTimelineWizardLine(models.TransientModel):
    _name = "cmr.timeline.wizard.line"
    _description = "Customer Timeline Event"
    _order = "sequence, id"

    wizard_id = fields.Many2one(
        "cmr.timeline.wizard", required=True, ondelete="cascade"
    )
    sequence = fields.Integer()
    date = fields.Datetime()
    kind = fields.Char()
    channel = fields.Char()
    who = fields.Char()
    summary = fields.Char()
    internal = fields.Boolean()
    res_model = fields.Char()
    res_id = fields.Integer()

    def action_open(self):
        """The event's document, if the user may read it."""
        self.ensure_one()
        if not self.res_model or self.res_model not in self.env or not self.res_id:
            raise UserError(self.env._("This event has no document to open."))
        record = self.env[self.res_model].browse(self.res_id).exists()
        if not record:
            raise UserError(self.env._("The document of this event no longer exists."))
        record.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "target": "current",
        }
