from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_duration

WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]
WEEK_HOURS = 7 * 24


class CmrContactWindow(models.Model):
    """When the customer may be contacted, in the customer's own time zone.

    A window whose end is not after its start crosses midnight: Friday 22:00
    to 02:00 runs into Saturday morning.
    """

    _name = "cmr.contact.window"
    _inherit = ["cmr.charter.mixin"]
    _description = "Contact Window"
    _order = "partner_id, weekday, hour_from"

    weekday = fields.Selection(WEEKDAYS, required=True, default="0")
    hour_from = fields.Float(string="From", required=True, default=9.0)
    hour_to = fields.Float(string="To", required=True, default=18.0)

    @api.depends("weekday", "hour_from", "hour_to")
    def _compute_display_name(self):
        labels = dict(self._fields["weekday"]._description_selection(self.env))
        for window in self:
            label = labels.get(window.weekday, "")
            start = format_duration(window.hour_from)
            end = format_duration(window.hour_to)
            window.display_name = f"{label} {start}-{end}"

    def _week_intervals(self):
        """The window as hour intervals of a week starting Monday 00:00."""
        self.ensure_one()
        start = int(self.weekday) * 24 + self.hour_from
        length = (self.hour_to - self.hour_from) % 24 or 24
        end = start + length
        if end <= WEEK_HOURS:
            return [(start, end)]
        return [(start, WEEK_HOURS), (0, end - WEEK_HOURS)]

    @api.constrains("weekday", "hour_from", "hour_to", "partner_id")
    def _check_hours(self):
        for window in self:
            if not (0 <= window.hour_from < 24 and 0 < window.hour_to <= 24):
                raise ValidationError(
                    self.env._(
                        "Contact window %s: hours must lie between 00:00 and 24:00.",
                        window.display_name,
                    )
                )
            if window.hour_from == window.hour_to:
                raise ValidationError(
                    self.env._(
                        "Contact window %s: the end must differ from the start.",
                        window.display_name,
                    )
                )
        for partner in self.partner_id:
            windows = partner.cmr_window_ids
            intervals = sorted(
                (start, end, window)
                for window in windows
                for start, end in window._week_intervals()
            )
            for (_s1, end1, win1), (start2, _e2, win2) in zip(
                intervals, intervals[1:], strict=False
            ):
                if start2 < end1:
                    raise ValidationError(
                        self.env._(
                            "Contact windows %(first)s and %(second)s of %(partner)s "
                            "overlap.",
                            first=win1.display_name,
                            second=win2.display_name,
                            partner=partner.display_name,
                        )
                    )
